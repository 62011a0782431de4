/**
 * `pnpm --filter @kruispunt/synthetic run generate -- --count N --seed S --out DIR
 *  [--format csv|ndjson] [--agencies 1|2] [--overlap F] [--typo-rate F]`
 *
 * Writes DIR/a.<format> (and DIR/b.<format> plus DIR/truth.csv with two agencies) and
 * DIR/contract.json, then prints the counts as JSON. The same options give the same
 * bytes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SYNTHETIC_CONTRACT } from "./contract";
import { type Format, writeSynthetic } from "./write";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "1000" },
    seed: { type: "string", default: "1" },
    out: { type: "string", default: "out/synthetic" },
    format: { type: "string", default: "csv" },
    agencies: { type: "string", default: "1" },
    overlap: { type: "string", default: "0.5" },
    "typo-rate": { type: "string", default: "0.2" },
  },
});
const format = values.format as Format;
if (format !== "csv" && format !== "ndjson") throw new Error("--format: csv or ndjson");
const agencies = values.agencies === "2" ? 2 : 1;
mkdirSync(values.out, { recursive: true });
writeFileSync(
  join(values.out, "contract.json"),
  `${JSON.stringify(SYNTHETIC_CONTRACT, null, 2)}\n`,
);
const counts = await writeSynthetic({
  count: Number(values.count),
  seed: Number(values.seed),
  agencies,
  overlap: Number(values.overlap),
  typoRate: Number(values["typo-rate"]),
  format,
  paths: {
    a: join(values.out, `a.${format}`),
    b: agencies === 2 ? join(values.out, `b.${format}`) : undefined,
  },
  truthPath: agencies === 2 ? join(values.out, "truth.csv") : undefined,
});
process.stdout.write(`${JSON.stringify(counts)}\n`);
