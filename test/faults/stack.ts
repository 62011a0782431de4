/**
 * The five services against a given Kafka and PostgreSQL, with a fresh database,
 * data directory and namespace, and agency `alpha` registered for dataset `persons`
 * (the FEBRL contract of packages/cli/examples). Records come from `recordsCsv`:
 * synthetic, one unique soc_sec_id per record id, so "stored exactly once" can be
 * counted in the linker's and release's tables.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  initKeys,
  KruispuntClient,
  prepareDatabase,
  type RunningServices,
  startServices,
} from "@kruispunt/cli";
import { REPO_ROOT, SERVICE_NAMES, SERVICE_PORTS, type ServiceName } from "@kruispunt/service-kit";
import { createPool, type Pool } from "@kruispunt/store";
import { SLOT_PORT_OFFSET, slotted } from "../harness";

export const ALPHA = { sub: "alpha", role: "agency" as const };
export const AUDITOR = { sub: "auditor", role: "auditor" as const };

export interface Stack {
  name: string;
  client: KruispuntClient;
  pool: Pool;
  services: RunningServices;
  urls: Record<ServiceName, string>;
  dataDir: string;
  namespace: string;
  databaseUrl: string;
  stop: () => Promise<void>;
}

export interface StackOptions {
  name: string;
  portOffset: number;
  kafkaBrokers: string[];
  /** Server URL without a database, e.g. postgres://postgres@127.0.0.1:5432 */
  postgres: string;
  env?: NodeJS.ProcessEnv;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const name = slotted(options.name);
  const portOffset = options.portOffset + SLOT_PORT_OFFSET;
  const databaseUrl = `${options.postgres}/kruispunt_${name}`;
  const dataDir = join(REPO_ROOT, ".data", name);
  const namespace = `${name}-${Date.now()}.`;
  const admin = createPool(`${options.postgres}/postgres`, 1);
  await admin.query(`DROP DATABASE IF EXISTS kruispunt_${name} WITH (FORCE)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
  await prepareDatabase(databaseUrl);
  await initKeys(join(dataDir, "keys"));
  const services = startServices(
    dataDir,
    {
      KAFKA_BROKERS: options.kafkaBrokers.join(","),
      KAFKA_NAMESPACE: namespace,
      DATABASE_URL: databaseUrl,
      ...options.env,
    },
    portOffset,
  );
  const urls = Object.fromEntries(
    SERVICE_NAMES.map((s) => [s, `http://127.0.0.1:${SERVICE_PORTS[s] + portOffset}`]),
  ) as Record<ServiceName, string>;
  const client = new KruispuntClient({ keysDir: join(dataDir, "keys"), urls, env: {} });
  const pool = createPool(databaseUrl, 2);
  const stop = async () => {
    await services.stop();
    await pool.end();
  };
  try {
    await client.waitReady(SERVICE_NAMES, 300_000);
    const contract = JSON.parse(
      readFileSync(join(REPO_ROOT, "packages", "cli", "examples", "contract.json"), "utf8"),
    );
    await client.request("intake", "PUT", "/v1/datasets/persons", ALPHA, contract);
    return { name, client, pool, services, urls, dataDir, namespace, databaseUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** CSV of records `from` … `from + count − 1`: record_id i, soc_sec_id 1 000 000 + i. */
export function recordsCsv(from: number, count: number): string {
  const lines = [
    "record_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,date_of_birth,soc_sec_id",
  ];
  for (let i = from; i < from + count; i++) {
    lines.push(
      `${i},given${i % 997},sur${i % 991},${i % 200},street ${i % 89},,suburb${i % 53},${2000 + (i % 7000)},nsw,19${String(10 + (i % 89)).padStart(2, "0")}0101,${1_000_000 + i}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export interface UploadOutcome {
  status: number;
  accepted: number;
}

/** Uploads one CSV chunk as alpha; resolves with the HTTP status (0 if the connection failed). */
export async function upload(stack: Stack, csv: string): Promise<UploadOutcome> {
  try {
    const response = await fetch(`${stack.urls.intake}/v1/datasets/persons/uploads`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${stack.client.token(ALPHA)}`,
        "content-type": "text/csv",
      },
      body: csv,
      signal: AbortSignal.timeout(120_000),
    });
    const body = (await response.json().catch(() => ({}))) as { accepted?: number };
    return { status: response.status, accepted: body.accepted ?? 0 };
  } catch {
    return { status: 0, accepted: 0 };
  }
}

/** Stored counts: linker records, distinct pseudonyms among them, release's view. */
export async function storedCounts(pool: Pool) {
  const { rows } = await pool.query<{ linker: number; pseudonyms: number; release: number }>(
    `SELECT (SELECT count(*)::int FROM linker.records WHERE agency = 'alpha') AS linker,
            (SELECT count(DISTINCT linkage_pseudonym)::int FROM linker.records WHERE agency = 'alpha') AS pseudonyms,
            (SELECT count(*)::int FROM release.records WHERE agency = 'alpha') AS release`,
  );
  return rows[0] as { linker: number; pseudonyms: number; release: number };
}

/** Polls `check` every 500 ms until it is true; rejects after `timeoutMs` naming `what`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // the dependency may be down on purpose: try again
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
