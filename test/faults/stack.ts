/**
 * The five services against a given Kafka and PostgreSQL, with a fresh database,
 * data directory and namespace, and agency `alpha` registered for dataset `persons`
 * (the FEBRL contract of packages/cli/examples). Records come from `recordsCsv`:
 * synthetic, one unique soc_sec_id per record id, so "stored exactly once" can be
 * counted in the linker's and release's tables.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@kruispunt/service-kit";
import type { Pool } from "@kruispunt/store";
import { type Stack, type StackOptions, startStack } from "../harness";

export type { Stack } from "../harness";
export const ALPHA = { sub: "alpha", role: "agency" as const };

/** `startStack` (test/harness.ts), then alpha registers dataset `persons`. */
export async function startFaultStack(options: StackOptions): Promise<Stack> {
  const stack = await startStack(options);
  try {
    const contract = JSON.parse(
      readFileSync(join(REPO_ROOT, "packages", "cli", "examples", "contract.json"), "utf8"),
    );
    await stack.client.request("intake", "PUT", "/v1/datasets/persons", ALPHA, contract);
    return stack;
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** A capitalised pronounceable word of `syllables` consonant–vowel pairs, numbered by `n`. */
function word(n: number, syllables: number): string {
  const consonants = "bdfgklmnprstvz";
  const vowels = "aeiou";
  let out = "";
  let rest = n;
  for (let s = 0; s < syllables; s++) {
    out += consonants[rest % consonants.length] ?? "";
    rest = Math.floor(rest / consonants.length);
    out += vowels[rest % vowels.length] ?? "";
    rest = Math.floor(rest / vowels.length);
  }
  return out.charAt(0).toUpperCase() + out.slice(1);
}

/**
 * CSV of records `from` … `from + count − 1`: record_id i, soc_sec_id 1 000 000 + i,
 * and year_of_birth derived from date_of_birth as the contract's agency does.
 */
export function recordsCsv(from: number, count: number): string {
  const lines = [
    "record_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,date_of_birth,soc_sec_id,year_of_birth",
  ];
  for (let i = from; i < from + count; i++) {
    const year = `19${String(10 + (i % 89)).padStart(2, "0")}`;
    const month = String(1 + (Math.floor(i / 89) % 12)).padStart(2, "0");
    const day = String(1 + (Math.floor(i / 1068) % 28)).padStart(2, "0");
    // Names that sound different: "given17"/"sur17" all had one phonetic code, so every
    // record shared the both-names block and each arrival re-read all earlier ones.
    const j = (i * 7919) % 1_000_003;
    lines.push(
      `${i},${word(i, 2)},${word(j, 3)}s,${i % 200},street ${i % 89},,suburb${i % 53},${2000 + (i % 7000)},nsw,${year}${month}${day},${1_000_000 + i},${year}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export interface UploadOutcome {
  /** HTTP status, 0 if the connection failed (no verdict). */
  status: number;
  accepted: number;
  /** The upload's id from a 200 verdict, else "". */
  uploadId: string;
}

/**
 * Uploads one CSV chunk as alpha; resolves with the HTTP status (0 if the connection
 * failed or no verdict came within `timeoutMs`).
 */
export async function upload(
  stack: Stack,
  csv: string,
  timeoutMs = 120_000,
): Promise<UploadOutcome> {
  try {
    const response = await fetch(`${stack.urls.intake}/v1/datasets/persons/uploads`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${stack.client.token(ALPHA)}`,
        "content-type": "text/csv",
      },
      body: csv,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => ({}))) as {
      accepted?: number;
      uploadId?: string;
    };
    return { status: response.status, accepted: body.accepted ?? 0, uploadId: body.uploadId ?? "" };
  } catch {
    return { status: 0, accepted: 0, uploadId: "" };
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
