/**
 * Commands for the agency data steward and the researcher/committee over the
 * services' HTTPS APIs (the auditor's are in audit-command.ts). `--as NAME` is the
 * token subject: the agency, researcher or committee member acting.
 */
import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { KruispuntClient } from "./client";
import { fetchExtract, readMemberKeyFile } from "./extract-fetch";
import { submitFile } from "./submit-command";

const options = {
  as: { type: "string" },
  dataset: { type: "string" },
  contract: { type: "string" },
  file: { type: "string" },
  spec: { type: "string" },
  id: { type: "string" },
  decision: { type: "string" },
  reference: { type: "string" },
  extract: { type: "string" },
  out: { type: "string" },
  blind: { type: "boolean" },
  key: { type: "string" },
  project: { type: "string" },
  layout: { type: "string" },
  name: { type: "string" },
} as const;

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

/**
 * `agency register --as A --dataset D --contract FILE.json [--blind]` (PUT the dataset
 * contract; `--blind` sets its mode to "blind": identifiers encrypted to the linker) and
 * `agency upload --as A --dataset D --file F.csv` (the same as `submit`: progress, verdict
 * file beside the input). Returns the exit code: 1 if any record was refused.
 */
export async function agencyHttpCommand(
  sub: string,
  args: string[],
  client: KruispuntClient,
): Promise<number | null> {
  const { values } = parseArgs({ args, options, strict: false });
  const as = { sub: String(values.as ?? ""), role: "agency" as const };
  if (sub === "register" && values.as && values.dataset && values.contract) {
    print(
      await client.request("intake", "PUT", `/v1/datasets/${values.dataset}`, as, {
        ...JSON.parse(readFileSync(String(values.contract), "utf8")),
        ...(values.blind ? { mode: "blind" } : {}),
      }),
    );
    return 0;
  }
  if (sub === "upload" && values.as && values.dataset && values.file) {
    const result = await submitFile({
      client,
      as,
      dataset: String(values.dataset),
      file: String(values.file),
    });
    print(result);
    return result.refused > 0 ? 1 : 0;
  }
  return null;
}

/**
 * `project file --as R --spec FILE.json` · `project show --as R --id P` ·
 * `project decide --as C --id P --decision approve|reject|withdraw --reference REF` (committee) ·
 * `project extract --as R --id P [--layout person|record]` · `project fetch --id P --key FILE …`
 * (an alias of `extract fetch`).
 */
export async function projectCommand(args: string[], client: KruispuntClient): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options, strict: false });
  const name = String(values.as ?? "");
  const researcher = { sub: name, role: "researcher" as const };
  if (sub === "file" && name && values.spec) {
    print(
      await client.request(
        "release",
        "POST",
        "/v1/projects",
        researcher,
        JSON.parse(readFileSync(String(values.spec), "utf8")),
      ),
    );
    return 0;
  }
  if (sub === "show" && name && values.id) {
    print(await client.request("release", "GET", `/v1/projects/${values.id}`, researcher));
    return 0;
  }
  if (sub === "decide" && name && values.id && values.decision && values.reference) {
    print(
      await client.request(
        "release",
        "POST",
        `/v1/projects/${values.id}/decision`,
        { sub: name, role: "committee" },
        { decision: values.decision, reference: values.reference },
      ),
    );
    return 0;
  }
  if (sub === "extract" && name && values.id) {
    print(
      await client.request(
        "release",
        "POST",
        `/v1/projects/${values.id}/extracts`,
        researcher,
        values.layout ? { layout: values.layout } : {},
      ),
    );
    return 0;
  }
  if (sub === "fetch" && values.id && values.key)
    return extractCommand(["fetch", "--project", String(values.id), ...rest], client);
  console.error(
    "usage: kruispunt project file --as R --spec F | show --as R --id P | decide --as C --id P --decision approve|reject|withdraw --reference REF | extract --as R --id P [--layout person|record] | fetch --id P --key FILE [--extract E] [--out DIR]",
  );
  return 2;
}

/**
 * `extract fetch --project P --key FILE [--extract E] [--out DIR] [--as R]`: downloads
 * extract E (default the newest) of project P, verifies its SHA-256s and decrypts it
 * with the member key FILE (`kruispunt keys member`) into DIR (default out/extract-P).
 */
export async function extractCommand(args: string[], client: KruispuntClient): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options, strict: false });
  if (sub === "fetch" && values.project && values.key) {
    const result = await fetchExtract({
      client,
      projectId: String(values.project),
      extractId: values.extract ? String(values.extract) : undefined,
      key: readMemberKeyFile(String(values.key)),
      outDir: String(values.out ?? join("out", `extract-${values.project}`)),
      as: values.as ? String(values.as) : undefined,
    });
    print(result);
    return 0;
  }
  console.error(
    "usage: kruispunt extract fetch --project P --key FILE [--extract E] [--out DIR] [--as R]",
  );
  return 2;
}
