/**
 * The main job: FEBRL 4 from two agencies, pseudonymised, linked over Kafka and
 * released as an extract, driven through the services' HTTP APIs the way the three
 * personas would. Used by `kruispunt demo` and by the end-to-end test.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Bus, TOPICS, type TopicName } from "@kruispunt/bus";
import { createLogger } from "@kruispunt/observability";
import { ensureDatabase, migrate } from "@kruispunt/store";
import type { KruispuntClient } from "../client";
import { createMemberKeyFile, fetchExtract, readMemberKeyFile } from "../extract-fetch";
import { estimateLine, type ParameterEstimate, runEstimate } from "../review-command";
import { febrlSubmission, type LinkageQuality, scoreLinkage } from "./febrl";
import {
  catalogueAndQuality,
  type ErrorReportSummary,
  errorReportRoundTrip,
  type FindabilitySummary,
  publishCatalogueEntry,
} from "./findability";

export interface MainJobOptions {
  client: KruispuntClient;
  febrlDir: string;
  outDir: string;
  kafkaBrokers: string[];
  kafkaNamespace: string;
  /** Only persons N < limitPairs (for quick end-to-end runs). */
  limitPairs?: number;
  k?: number;
  /** Dataset mode both agencies register (default "keyed"; "blind": issue 10). */
  mode?: "keyed" | "blind";
  say: (line: string) => void;
}

export interface Summary {
  agencies: Record<string, { submitted: number; accepted: number; rejected: number }>;
  linkage: {
    linked_pairs: number;
    /** Linked alpha–beta pairs by the method of their link decision (exact, pprl, review). */
    by_method: Record<string, number>;
    /** Exact and probabilistic linkage together against the FEBRL truth, and the pairs left in clerical review. */
    truth: LinkageQuality & { review: number };
    /**
     * The reviewer's estimate of m and u by EM on the agencies' own candidate pairs
     * (POST /v1/linkage/parameters/estimate), made before the scoring above; null when
     * skipped (a --limit run: too few pairs to learn from, the shipped parameters stay).
     */
    parameters: ParameterEstimate | null;
  };
  extract: {
    rows: number;
    k: number;
    suppressed: number;
    path: string;
    codebook: string;
    project: string;
  };
  audit: {
    entries: number;
    verified: boolean;
    checkpoints: number;
    by_action: Record<string, number>;
  };
  /** Issue 9: catalogue entries and search, DCAT-AP export, quality per dataset. */
  catalogue: FindabilitySummary["catalogue"];
  quality: FindabilitySummary["quality"];
  error_report: ErrorReportSummary;
  usage: Record<string, { project: string; variables: string[]; persons: number }[]>;
}

interface Verdict {
  uploadId: string;
  submitted: number;
  accepted: number;
  refused: number;
}

const agency = (sub: string) => ({ sub, role: "agency" as const });
const reviewer = { sub: "reviewer-demo", role: "reviewer" as const };
const researcher = { sub: "researcher-demo", role: "researcher" as const };
const committee = { sub: "committee-demo", role: "committee" as const };
const auditor = { sub: "auditor-demo", role: "auditor" as const };

/**
 * FEBRL's quasi-identifier columns, as the main job's contract declares them: every field
 * of the encoding schema kruispunt-person/v1.
 */
export const FEBRL_QUASI_IDENTIFIERS = [
  "given_name",
  "surname",
  "street_number",
  "address_1",
  "address_2",
  "suburb",
  "postcode",
  "date_of_birth",
] as const;

/** The contract both agencies register for FEBRL's columns (packages/cli/examples/contract.json is the keyed one). */
export function febrlContract(mode: "keyed" | "blind") {
  return {
    mode,
    identifier: {
      field: "soc_sec_id",
      scheme: "febrl-ssn",
      // A record whose soc_sec_id is missing or malformed would be linked on its
      // quasi-identifiers alone (none is, in FEBRL 4). Blind mode sends no
      // quasi-identifiers, so there such a record is refused.
      whenUnusable: mode === "keyed" ? "link_probabilistically" : "refuse",
    },
    sourceRecordId: "record_id",
    // Sealed to the pseudonymiser, which encodes them for probabilistic linkage (keyed
    // Bloom filters, issue 5); never forwarded raw. Blind mode sends none of them.
    quasiIdentifiers: [...FEBRL_QUASI_IDENTIFIERS],
    variables: [
      { name: "state", type: "string", description: "Australian state or territory" },
      { name: "postcode", type: "string", description: "4-digit postcode" },
      {
        name: "year_of_birth",
        type: "string",
        description: "YYYY of date_of_birth when that is a calendar date (derived by the agency)",
      },
    ],
  };
}

/** Prepares PostgreSQL (database + migrations). */
export async function prepareDatabase(databaseUrl: string): Promise<void> {
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
}

/** Runs the main job against running services; returns the summary written to out/. */
export async function runMainJob(options: MainJobOptions): Promise<Summary> {
  const { client, say } = options;
  const limit = options.limitPairs;
  const subs = {
    alpha: febrlSubmission(join(options.febrlDir, "dataset4a.csv"), limit),
    beta: febrlSubmission(join(options.febrlDir, "dataset4b.csv"), limit),
  };

  // 1. Agencies register their dataset and upload it.
  const agencies: Summary["agencies"] = {};
  for (const [name, sub] of Object.entries(subs)) {
    await client.request(
      "intake",
      "PUT",
      "/v1/datasets/persons",
      agency(name),
      febrlContract(options.mode ?? "keyed"),
    );
    await publishCatalogueEntry(client, name);
    const verdict = await client.request<Verdict>(
      "intake",
      "POST",
      "/v1/datasets/persons/uploads",
      agency(name),
      Readable.from([sub.csv]),
      "text/csv",
    );
    agencies[name] = {
      submitted: verdict.submitted,
      accepted: verdict.accepted,
      rejected: verdict.refused,
    };
    say(
      `agency ${name}: ${verdict.submitted} records submitted, ${verdict.accepted} accepted, ${verdict.refused} refused (upload ${verdict.uploadId})`,
    );
  }
  const accepted = Object.values(agencies).reduce((n, a) => n + a.accepted, 0);

  // 2. Wait until pseudonymiser, linker and release have consumed everything.
  const bus = await Bus.connect({
    brokers: options.kafkaBrokers,
    clientId: "kruispunt-cli",
    logger: createLogger("cli", "warn"),
    namespace: options.kafkaNamespace,
  });
  try {
    await waitFor("linkage to consume every accepted record", async () => {
      const stats = await client.request<{ records: number }>(
        "linker",
        "GET",
        "/v1/stats",
        auditor,
      );
      const lags = await lagsOf(bus, [
        ["pseudonymiser", TOPICS.intake],
        ["linker", TOPICS.pseudonymised],
        ["release", TOPICS.linkage],
      ]);
      return stats.records >= accepted && lags === 0;
    });
    // 2b. A linkage reviewer has m and u estimated by EM on the agencies' own candidate
    //     pairs, and the store linked again with them (on FEBRL 4 they are the shipped
    //     parameters, so nothing moves; on other data they are what keeps a common
    //     postcode from linking two persons).
    let parameters: ParameterEstimate | null = null;
    if (limit === undefined) {
      parameters = await runEstimate(client, reviewer);
      say(`reviewer: ${estimateLine(parameters)}`);
    }
    const linkStats = await client.request<{
      records: number;
      clusters: number;
      linkedPairs: number;
      reviewPending: number;
    }>("linker", "GET", "/v1/stats", auditor);
    say(
      `linker: ${linkStats.records} records in ${linkStats.clusters} person clusters, ${linkStats.linkedPairs} linked pairs`,
    );

    // 3. Score against the truth (the auditor's view of links is by the agencies' record ids).
    const { pairs } = await client.request<{
      pairs: { left: string; right: string; method: string }[];
    }>("linker", "GET", "/v1/links?left=alpha/persons&right=beta/persons", auditor);
    const truth = {
      ...scoreLinkage(pairs, subs.alpha.truth, subs.beta.truth),
      review: linkStats.reviewPending,
    };
    const byMethod: Record<string, number> = {};
    for (const p of pairs) byMethod[p.method] = (byMethod[p.method] ?? 0) + 1;
    say(
      `linkage quality vs FEBRL truth (exact + PPRL): tp ${truth.tp}, fp ${truth.fp}, fn ${truth.fn}, precision ${truth.precision}, recall ${truth.recall}, F1 ${truth.f1}; ${truth.review} pair(s) in clerical review; links by method ${JSON.stringify(byMethod)}`,
    );

    // 4. A researcher makes a member key pair, files a project, the committee approves
    //    it, the researcher extracts, then fetches, verifies and decrypts it with their key.
    const k = options.k ?? 10;
    mkdirSync(options.outDir, { recursive: true });
    const keyPath = join(options.outDir, `${researcher.sub}.key.json`);
    rmSync(keyPath, { force: true });
    const publicKey = await createMemberKeyFile(keyPath, researcher.sub);
    const project = await client.request<{ projectId: string }>(
      "release",
      "POST",
      "/v1/projects",
      researcher,
      {
        title: "Ageing and mobility across two agencies (FEBRL 4 demo)",
        purpose: "Demonstrate a linked, pseudonymised extract under k-anonymity",
        legalBasis: "GDPR art. 6(1)(e) and 9(2)(j); committee deliberation",
        variables: [
          { dataset: "alpha/persons", name: "state", as: "state", hierarchy: "categorical" },
          {
            dataset: "alpha/persons",
            name: "year_of_birth",
            as: "year_of_birth",
            hierarchy: "yearOfBirth",
          },
          {
            dataset: "beta/persons",
            name: "postcode",
            as: "postcode_region",
            hierarchy: "postcodeRegion",
          },
        ],
        cohort: { allOf: ["alpha/persons", "beta/persons"] },
        quasiIdentifiers: ["state", "year_of_birth", "postcode_region"],
        k,
        maxSuppressedShare: 0.05,
        expiresAt: new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString(),
        members: [{ name: researcher.sub, publicKey }],
      },
    );
    const reference = `CSSS-IVC/${new Date().getFullYear()}/${project.projectId}`;
    await client.request(
      "release",
      "POST",
      `/v1/projects/${project.projectId}/decision`,
      committee,
      { decision: "approve", reference },
    );
    say(
      `project ${project.projectId} filed by ${researcher.sub}, approved by the committee (${reference})`,
    );
    const extract = await client.request<{
      extractId: string;
      rows: number;
      suppressed: number;
      k: number;
    }>("release", "POST", `/v1/projects/${project.projectId}/extracts`, researcher);
    const extractDir = join(options.outDir, "extract");
    await fetchExtract({
      client,
      projectId: project.projectId,
      extractId: extract.extractId,
      key: readMemberKeyFile(keyPath),
      outDir: extractDir,
    });
    say(
      `extract: ${extract.rows} persons released with k=${extract.k}, ${extract.suppressed} suppressed; fetched, verified and decrypted with ${researcher.sub}'s key → ${extractDir} (extract.csv, extract.parquet, codebook.json)`,
    );

    // 4b. Catalogue, quality reports, and an error report from the researcher to beta.
    mkdirSync(options.outDir, { recursive: true });
    const findability = await catalogueAndQuality(
      client,
      Object.keys(subs),
      researcher.sub,
      options.outDir,
      say,
    );
    const roundTrip = await errorReportRoundTrip(
      client,
      {
        researcherSub: researcher.sub,
        projectId: project.projectId,
        extractCsv: readFileSync(join(extractDir, "extract.csv"), "utf8"),
        column: "postcode_region",
        owner: "beta",
      },
      say,
    );

    // 5. The auditor waits for the log to catch up, checkpoints and verifies it.
    await waitFor(
      "the audit log to take in every event",
      async () => (await lagsOf(bus, [["audit", TOPICS.audit]])) === 0,
    );
    await client.request("audit", "POST", "/v1/audit/checkpoints", auditor);
    const verify = await client.request<{
      ok: boolean;
      count: number;
      checkpoints: number;
      firstBad?: unknown;
    }>("audit", "GET", "/v1/audit/verify", auditor);
    const stats = await client.request<{ entries: number; byAction: Record<string, number> }>(
      "audit",
      "GET",
      "/v1/audit/stats",
      auditor,
    );
    say(
      `audit: ${stats.entries} entries, hash chain ${verify.ok ? "verified" : `BROKEN at ${JSON.stringify(verify.firstBad)}`} with ${verify.checkpoints} signed checkpoint(s)`,
    );

    const summary: Summary = {
      agencies,
      linkage: { linked_pairs: pairs.length, by_method: byMethod, truth, parameters },
      extract: {
        rows: extract.rows,
        k: extract.k,
        suppressed: extract.suppressed,
        path: join(extractDir, "extract.csv"),
        codebook: join(extractDir, "codebook.json"),
        project: project.projectId,
      },
      audit: {
        entries: stats.entries,
        verified: verify.ok,
        checkpoints: verify.checkpoints,
        by_action: stats.byAction,
      },
      catalogue: findability.catalogue,
      quality: findability.quality,
      error_report: roundTrip.error_report,
      usage: { beta: roundTrip.usage },
    };
    mkdirSync(options.outDir, { recursive: true });
    writeFileSync(join(options.outDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    await bus.close();
  }
}

async function lagsOf(bus: Bus, groups: [string, TopicName][]): Promise<number> {
  let total = 0;
  for (const [group, topic] of groups) total += await bus.lag(group, topic);
  return total;
}

async function waitFor(
  what: string,
  done: () => Promise<boolean>,
  // 10 minutes: all of FEBRL 4 through exact and probabilistic linkage took 4–5 minutes
  // on the shared 2-core machine at load 20+.
  timeoutMs = 600_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
