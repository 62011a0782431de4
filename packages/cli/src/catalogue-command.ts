/**
 * Commands for findability and data quality (issue 9): the catalogue (any persona),
 * quality reports and usage (agency), error reports (researcher files and reads,
 * agency reads and answers). `--as NAME` is the token subject.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ROLES, type Role } from "@kruispunt/auth";
import type { KruispuntClient } from "./client";

const options = {
  as: { type: "string" },
  role: { type: "string" },
  dataset: { type: "string" },
  metadata: { type: "string" },
  upload: { type: "string" },
  out: { type: "string" },
  project: { type: "string" },
  "project-pseudonym": { type: "string" },
  cohort: { type: "boolean" },
  variable: { type: "string" },
  description: { type: "string" },
  report: { type: "string" },
  outcome: { type: "string" },
  comment: { type: "string" },
} as const;

export const FINDABILITY_HELP = `  catalogue search --as NAME [--role ROLE] WORDS…   full-text search (default role researcher)
  catalogue list|show --as NAME [--role ROLE] [--dataset AGENCY/DATASET]
  catalogue publish --as A --dataset D --metadata F.json   title, description, coverage,
                       updateFrequency, legalBasis[, recordDateVariable] of A's dataset D
  catalogue export [--out FILE]    DCAT-AP 3.0.0 JSON-LD (public, for portals)
  quality show --as A (--dataset D | --upload U)           A's own quality report
  usage --as A         which approved projects received A's variables, when, for how many
  error-report file --as R --project P (--project-pseudonym PP | --cohort) --variable COL --description TEXT
  error-report list --as R --project P        R's reports with the agencies' answers
  error-report inbox --as A                   reports routed to agency A
  error-report answer --as A --report ID --outcome confirmed|corrected|rejected --comment TEXT`;

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

/** Runs `command` (catalogue, quality, usage, error-report); null if it is not one of them or incomplete. */
export async function findabilityCommand(
  command: string,
  args: string[],
  client: KruispuntClient,
): Promise<number | null> {
  const { values, positionals } = parseArgs({
    args,
    options,
    strict: false,
    allowPositionals: true,
  });
  const [sub, ...words] = positionals;
  const str = (name: keyof typeof options) =>
    typeof values[name] === "string" ? (values[name] as string) : undefined;
  const as = str("as");
  const role = (str("role") ?? "researcher") as Role;
  if (!ROLES.includes(role)) return null;
  const agency = as ? { sub: as, role: "agency" as const } : null;
  const researcher = as ? { sub: as, role: "researcher" as const } : null;

  if (command === "catalogue") {
    if (sub === "export") {
      // Public: the token download() sends is ignored.
      const text = await client.download("intake", "/v1/catalogue/dcat", {
        sub: as ?? "harvester",
        role,
      });
      if (str("out")) writeFileSync(str("out") as string, text);
      else console.log(text);
      return 0;
    }
    if (!as) return null;
    if (sub === "search" && words.length > 0) {
      const q = encodeURIComponent(words.join(" "));
      const found = await client.request<{
        entries: { ref: string; title: string; rank: number; variables: { name: string }[] }[];
      }>("intake", "GET", `/v1/catalogue/search?q=${q}`, { sub: as, role });
      for (const e of found.entries)
        console.log(`${e.ref}\t${e.rank}\t${e.title}\t${e.variables.map((v) => v.name).join(",")}`);
      if (found.entries.length === 0) console.error("no catalogue entry matches");
      return 0;
    }
    if (sub === "list") {
      print(await client.request("intake", "GET", "/v1/catalogue", { sub: as, role }));
      return 0;
    }
    if (sub === "show" && str("dataset")) {
      print(
        await client.request("intake", "GET", `/v1/catalogue/${str("dataset")}`, { sub: as, role }),
      );
      return 0;
    }
    if (sub === "publish" && agency && str("dataset") && str("metadata")) {
      print(
        await client.request(
          "intake",
          "PUT",
          `/v1/datasets/${str("dataset")}/catalogue`,
          agency,
          JSON.parse(readFileSync(str("metadata") as string, "utf8")),
        ),
      );
      return 0;
    }
    return null;
  }
  if (command === "quality" && sub === "show" && agency) {
    if (str("dataset")) {
      print(
        await client.request("intake", "GET", `/v1/datasets/${str("dataset")}/quality`, agency),
      );
      return 0;
    }
    if (str("upload")) {
      print(await client.request("intake", "GET", `/v1/uploads/${str("upload")}/quality`, agency));
      return 0;
    }
    return null;
  }
  if (command === "usage" && agency) {
    print(await client.request("release", "GET", "/v1/usage", agency));
    return 0;
  }
  if (command === "error-report") {
    if (sub === "file" && researcher && str("project") && str("variable") && str("description")) {
      print(
        await client.request(
          "release",
          "POST",
          `/v1/projects/${str("project")}/error-reports`,
          researcher,
          {
            ...(values.cohort ? { cohort: true } : { projectPseudonym: str("project-pseudonym") }),
            variable: str("variable"),
            description: str("description"),
          },
        ),
      );
      return 0;
    }
    if (sub === "list" && researcher && str("project")) {
      print(
        await client.request(
          "release",
          "GET",
          `/v1/projects/${str("project")}/error-reports`,
          researcher,
        ),
      );
      return 0;
    }
    if (sub === "inbox" && agency) {
      print(await client.request("release", "GET", "/v1/error-reports", agency));
      return 0;
    }
    if (sub === "answer" && agency && str("report") && str("outcome") && str("comment")) {
      print(
        await client.request(
          "release",
          "POST",
          `/v1/error-reports/${str("report")}/answer`,
          agency,
          {
            outcome: str("outcome"),
            comment: str("comment"),
          },
        ),
      );
      return 0;
    }
  }
  return null;
}
