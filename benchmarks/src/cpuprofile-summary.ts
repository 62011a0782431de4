/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): for each function named on the
 * command line (default: the benchmark loops `fullPath` and `rawHmac`), the self time of
 * everything it called, grouped into a few categories (see `CATEGORIES`) and by function
 * and file, as a share of that loop's total; plus the garbage collector's share overall
 * (V8 attributes GC to no function, so it is not inside any loop's figures).
 *
 *   tsx src/cpuprofile-summary.ts <file.cpuprofile | dir> [rootFunction ...]
 *
 * With a directory, the newest `.cpuprofile` in it is used.
 */
import { statSync } from "node:fs";
import { basename } from "node:path";
import { fmt, printTable } from "./bench-util";
import { type ProfileNode, profilesIn, readProfile } from "./cpuprofile";

const [target = "../out/bench-prof", ...roots] = process.argv.slice(2);
const rootNames = roots.length > 0 ? roots : ["fullPath", "rawHmac"];

let file = target;
if (statSync(target).isDirectory()) {
  const newest = profilesIn(target)[0];
  if (!newest) throw new Error(`no .cpuprofile in ${target}`);
  file = newest;
}
const { profile, byId, parent } = readProfile(file);

// Self time per node (µs), from the sample stream.
const selfMicros = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

function label(n: ProfileNode): string {
  const name = n.callFrame.functionName || "(anonymous)";
  const url = n.callFrame.url;
  if (url === "") return name;
  const short = url.includes("/node_modules/")
    ? (url.split("/node_modules/").pop()?.split("/")[0] ?? basename(url))
    : basename(url);
  return `${name} (${short}:${n.callFrame.lineNumber + 1})`;
}

/** First matching rule wins; tested against `label(node)`. */
const CATEGORIES: [string, RegExp][] = [
  ["libsodium wasm (SHA-256 compression, malloc/free)", /^wasm-function/],
  ["libsodium JS wrapper (argument copies, output Uint8Array)", /libsodium-wrappers/],
  ["TextEncoder.encode (UTF-8 to a new Uint8Array)", /^(encode|encodeUtf8String|TextEncoder) /],
  ["TextEncoder.encode (UTF-8 to a new Uint8Array)", /^encodeUtf8String$/],
  [
    "hex output (toHex: Buffer.from(...).toString('hex'))",
    /^(toHex|hexSlice|FastBuffer|slice) |^hexSlice$/,
  ],
  [
    "validate (be-insz normalise, checks, regexps)",
    /be-insz|guards\.ts|insz-|^RegExp|registry\.ts/,
  ],
  [
    "linkagePseudonym / labelled / hmacSha256 own code",
    /pseudonym\.ts|bytes\.ts|hash\.ts|sodium\.ts/,
  ],
];

function category(text: string): string {
  for (const [name, rule] of CATEGORIES) if (rule.test(text)) return name;
  return "other (benchmark loop, runtime)";
}

/** The nearest ancestor (or the node itself) named `name`, if any. */
function rootOf(id: number, name: string): number | undefined {
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    if (byId.get(cur)?.callFrame.functionName === name) return cur;
  }
  return undefined;
}

console.log(`profile: ${file}`);
for (const rootName of rootNames) {
  const shares = new Map<string, number>();
  const categories = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    if (rootOf(id, rootName) === undefined) continue;
    const node = byId.get(id) as ProfileNode;
    const key = label(node);
    shares.set(key, (shares.get(key) ?? 0) + micros);
    categories.set(category(key), (categories.get(category(key)) ?? 0) + micros);
    total += micros;
  }
  if (total === 0) {
    console.log(`\n${rootName}: no samples`);
    continue;
  }
  const share = (v: number) => `${((100 * v) / total).toFixed(1)} %`;
  console.log(`\n${rootName}: ${fmt(total / 1000)} ms of samples; self time by category`);
  printTable(
    ["category", "ms", "share"],
    [...categories.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, fmt(v / 1000), share(v)]),
  );
  console.log(`\n${rootName}: self time by function`);
  const rows = [...shares.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([k, v]) => [k, fmt(v / 1000), share(v)]);
  printTable(["function (file:line)", "ms", "share"], rows);
}

let gc = 0;
let all = 0;
for (const [id, micros] of selfMicros) {
  all += micros;
  if (byId.get(id)?.callFrame.functionName === "(garbage collector)") gc += micros;
}
console.log(
  `\ngarbage collector: ${fmt(gc / 1000)} ms = ${((100 * gc) / all).toFixed(1)} % of all samples (not in the loops above)`,
);
