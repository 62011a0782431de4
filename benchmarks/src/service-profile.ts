/**
 * Where one service's CPU went, from the V8 `.cpuprofile` it wrote under a benchmark
 * (KRUISPUNT_PROFILE_DIR, packages/cli supervisor.ts): busy time (idle left out) by
 * package — each sample goes to the nearest package on its stack (a node_modules
 * package, or packages/<name> and services/<name> of this repository), so Buffer and
 * stream work lands on the package that asked for it — and the functions with the most
 * self time. Optionally only the samples between two moments of the profile, e.g. the
 * measured run without start-up and warm-up.
 *
 *   tsx src/service-profile.ts <dir> <service> [fromSeconds toSeconds]
 *
 * In `<dir>`, the newest profile of the process that ran services/<service>/src/main.ts.
 */
import { readFileSync } from "node:fs";
import { fmt, printTable } from "./bench-util";
import { type ProfileNode, profilesIn, readProfile } from "./cpuprofile";

const [dir, service, from = "0", to = "1e9"] = process.argv.slice(2);
if (!dir || !service)
  throw new Error("usage: tsx src/service-profile.ts <dir> <service> [fromSeconds toSeconds]");
const file = profilesIn(dir).find((f) =>
  readFileSync(f, "utf8").includes(`services/${service}/src/main.ts`),
);
if (!file) throw new Error(`no profile of services/${service} in ${dir}`);
const { profile, byId, parent } = readProfile(file);

const PACKAGE =
  /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)|\/((?:packages|services)\/[^/]+)\//;
/** The nearest package on the stack of node `id`, or what V8 calls the node. */
function packageOf(id: number): string {
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const match = byId.get(cur)?.callFrame.url.match(PACKAGE);
    if (match) return (match[1] ?? match[2]) as string;
  }
  const name = byId.get(id)?.callFrame.functionName ?? "";
  return name.startsWith("(") ? name : "node internals";
}
function label(n: ProfileNode): string {
  const url = n.callFrame.url;
  const where = url.match(PACKAGE)?.slice(1).find(Boolean) ?? url.replace(/^node:/, "");
  return `${n.callFrame.functionName || "(anonymous)"} (${where}:${n.callFrame.lineNumber + 1})`;
}

const packages = new Map<string, number>();
const functions = new Map<string, number>();
let busy = 0;
let clock = 0;
profile.samples.forEach((id, i) => {
  const micros = profile.timeDeltas[i] ?? 0;
  clock += micros;
  const node = byId.get(id) as ProfileNode;
  if (clock / 1e6 < Number(from) || clock / 1e6 > Number(to)) return;
  if (node.callFrame.functionName === "(idle)") return;
  busy += micros;
  const pkg = packageOf(id);
  packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
  functions.set(label(node), (functions.get(label(node)) ?? 0) + micros);
});

const table = (title: string, rows: Map<string, number>, n: number) =>
  printTable(
    [title, "ms", "share"],
    [...rows]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [k, fmt(v / 1000), `${((100 * v) / busy).toFixed(1)} %`]),
  );
console.log(`${file}: services/${service}, ${fmt(busy / 1000)} ms busy in ${from}–${to} s`);
table("package (nearest on the stack)", packages, 20);
console.log("");
table("function (self time)", functions, 25);
