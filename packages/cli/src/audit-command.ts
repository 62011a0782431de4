/**
 * `kruispunt audit query|verify|export|linkage-log`: the auditor's view of the
 * hash-chained log, and of one person's link decisions and releases.
 */
import { parseArgs } from "node:util";
import { stringify } from "csv-stringify/sync";
import type { KruispuntClient } from "./client";

const auditor = { sub: process.env.USER ?? "auditor", role: "auditor" as const };
const filterOptions = {
  action: { type: "string" },
  actor: { type: "string" },
  service: { type: "string" },
  object: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  limit: { type: "string" },
  format: { type: "string" },
  "from-seq": { type: "string" },
  "to-seq": { type: "string" },
  "linkage-pseudonym": { type: "string" },
  project: { type: "string" },
  "project-pseudonym": { type: "string" },
} as const;

interface Entry {
  seq: number;
  [field: string]: unknown;
}

/**
 * Runs an audit subcommand; returns the exit code: 0, 1 when verification fails
 * (or a linkage log finds an extract without its audit entry), 2 for bad usage.
 */
export async function auditCommand(args: string[], client: KruispuntClient): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: filterOptions });
  if (sub === "linkage-log") return linkageLog(values, client);
  if (sub === "verify") {
    const q = new URLSearchParams();
    if (values["from-seq"]) q.set("fromSeq", values["from-seq"]);
    if (values["to-seq"]) q.set("toSeq", values["to-seq"]);
    const result = await client.request<{
      ok: boolean;
      count: number;
      firstBad?: { seq: number; reason: string };
    }>("audit", "GET", `/v1/audit/verify?${q}`, auditor);
    console.log(
      result.ok
        ? `verified: ${result.count} entries, chain intact`
        : `BROKEN: entry ${result.firstBad?.seq} (${result.firstBad?.reason}) after ${result.count} good entries`,
    );
    return result.ok ? 0 : 1;
  }
  if (sub === "query" || sub === "export") {
    const format = sub === "query" ? "table" : (values.format ?? "ndjson");
    let afterSeq = 0;
    let header = true;
    const max = values.limit ? Number(values.limit) : Number.POSITIVE_INFINITY;
    let printed = 0;
    for (;;) {
      const q = new URLSearchParams({ afterSeq: String(afterSeq), limit: "1000" });
      for (const key of ["action", "actor", "service", "object", "from", "to"] as const)
        if (values[key]) q.set(key, values[key]);
      const page = await client.request<{ entries: Entry[]; nextAfterSeq: number | null }>(
        "audit",
        "GET",
        `/v1/audit/entries?${q}`,
        auditor,
      );
      for (const e of page.entries) {
        if (printed++ >= max) return 0;
        if (format === "ndjson") console.log(JSON.stringify(e));
        else if (format === "csv") {
          const row = {
            ...e,
            counts: JSON.stringify(e.counts),
            details: JSON.stringify(e.details),
          };
          process.stdout.write(stringify([row], { header }));
          header = false;
        } else
          console.log(
            `${e.seq}\t${e.occurredAt}\t${e.service}\t${e.actor}\t${e.action}\t${e.object}\t${JSON.stringify(e.counts)}`,
          );
      }
      if (page.nextAfterSeq === null) return 0;
      afterSeq = page.nextAfterSeq;
    }
  }
  console.error(
    "usage: kruispunt audit verify|query|export [options]\n" +
      "       kruispunt audit linkage-log --linkage-pseudonym LP | --project P --project-pseudonym PP [--format json]",
  );
  return 2;
}

interface ReleaseOfPerson {
  extractId: string;
  projectId: string;
  decisionReference: string | null;
  createdAt: string;
  rows: number;
}

interface AuditLinkageLog {
  records: string[];
  decisions: Entry[];
  releases: Entry[];
  truncated: boolean;
}

/**
 * `audit linkage-log`: asks release which extracts included the person (by
 * linkage pseudonym, or by project pseudonym within a project — an audited
 * lookup), then the audit service for the person's link decisions and those
 * extracts' release entries, and prints one timeline in seq order (`--format json`:
 * `{linkagePseudonym, records, releases, timeline}`). Prints pseudonyms and the
 * agencies' own record numbers only. Exit 1 if an extract release lists has no
 * `release.extract` entry in the log, 2 for bad usage; HTTP errors throw ApiError.
 */
async function linkageLog(
  values: { [K in keyof typeof filterOptions]?: string },
  client: KruispuntClient,
): Promise<number> {
  const lp = values["linkage-pseudonym"];
  const project = values.project;
  const pp = values["project-pseudonym"];
  const q = new URLSearchParams();
  if (lp && !project && !pp) q.set("linkagePseudonym", lp);
  else if (!lp && project && pp) {
    q.set("projectId", project);
    q.set("projectPseudonym", pp);
  } else {
    console.error(
      "usage: kruispunt audit linkage-log --linkage-pseudonym LP | --project P --project-pseudonym PP",
    );
    return 2;
  }
  const person = await client.request<{ linkagePseudonym: string; releases: ReleaseOfPerson[] }>(
    "release",
    "GET",
    `/v1/linkage-log?${q}`,
    auditor,
  );
  const aq = new URLSearchParams({ linkagePseudonym: person.linkagePseudonym });
  for (const r of person.releases) aq.append("extractId", r.extractId);
  const log = await client.request<AuditLinkageLog>(
    "audit",
    "GET",
    `/v1/audit/linkage-log?${aq}`,
    auditor,
  );
  const timeline = [...log.decisions, ...log.releases].sort((a, b) => a.seq - b.seq);
  const unaudited = person.releases.filter(
    (r) =>
      !log.releases.some(
        (e) =>
          e.action === "release.extract" &&
          (e.details as Record<string, unknown>).extractId === r.extractId,
      ),
  );
  if (values.format === "json") {
    console.log(
      JSON.stringify(
        {
          linkagePseudonym: person.linkagePseudonym,
          records: log.records,
          releases: person.releases,
          timeline,
        },
        null,
        2,
      ),
    );
  } else {
    console.log(`linkage pseudonym ${person.linkagePseudonym}`);
    if (project) console.log(`project ${project}, project pseudonym ${pp}`);
    console.log(`source records: ${log.records.join(" ") || "none in the log"}`);
    console.log(`released in ${person.releases.length} extract(s)`);
    for (const e of timeline) {
      const d = e.details as Record<string, unknown>;
      const what =
        e.action === "link.decision"
          ? `${d.outcome} ${d.method} score ${d.score} cluster ${String(d.cluster).slice(0, 12)}…`
          : `extract ${d.extractId}${e.reference ? ` under ${e.reference}` : ""}`;
      console.log(`${e.seq}\t${e.occurredAt}\t${e.action}\t${e.object}\t${what}`);
    }
    if (log.truncated)
      console.log("(truncated: the person has more entries than one answer holds)");
  }
  for (const r of unaudited)
    console.error(`MISSING: extract ${r.extractId} (${r.projectId}) has no release.extract entry`);
  return unaudited.length === 0 ? 0 : 1;
}
