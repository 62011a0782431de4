/**
 * Commands for the agency data steward and the researcher/committee over the
 * services' HTTPS APIs (the auditor's are in audit-command.ts). `--as NAME` is the
 * token subject: the agency, researcher or committee member acting.
 */
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { KruispuntClient } from "./client";
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
 * `project extract --as R --id P` · `project fetch --as R --id P --extract E --out DIR`.
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
      await client.request("release", "POST", `/v1/projects/${values.id}/extracts`, researcher),
    );
    return 0;
  }
  if (sub === "fetch" && name && values.id && values.extract && values.out) {
    mkdirSync(String(values.out), { recursive: true });
    for (const file of ["extract.csv", "codebook.json"]) {
      const text = await client.download(
        "release",
        `/v1/projects/${values.id}/extracts/${values.extract}/files/${file}`,
        researcher,
      );
      writeFileSync(join(String(values.out), file), text);
    }
    console.log(`wrote ${join(String(values.out), "extract.csv")} and codebook.json`);
    return 0;
  }
  console.error(
    "usage: kruispunt project file --as R --spec F | show --as R --id P | decide --as C --id P --decision approve|reject|withdraw --reference REF | extract --as R --id P | fetch --as R --id P --extract E --out DIR",
  );
  return 2;
}
