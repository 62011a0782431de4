/** `kruispunt audit query|verify|export`: the auditor's view of the hash-chained log. */
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
} as const;

interface Entry {
  seq: number;
  [field: string]: unknown;
}

/** Runs an audit subcommand; returns the exit code (1 when verification fails). */
export async function auditCommand(args: string[], client: KruispuntClient): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: filterOptions });
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
  console.error("usage: kruispunt audit verify|query|export [options]");
  return 2;
}
