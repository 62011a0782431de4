/**
 * The probabilistic joins of one connected component, decided as a function of its
 * exact groups and scored pairs only, never of the order they arrived in (issue 5 item 4;
 * anonlink's greedy solver, made incremental by settle.ts).
 *
 * An exact group is the set of live records sharing a home cluster (their pseudonym's
 * cluster, exact-linkage.ts); it is never split. Groups are joined along pairs taken in
 * this order:
 * 1. pairs a reviewer resolved as "link", by (left, right) reference;
 * 2. scored pairs at or above the link threshold, by decreasing match weight, ties by
 *    (left, right) reference (compared as JavaScript strings);
 * never a pair a reviewer resolved as "no_link". A pair joins its two groups' clusters
 * only when they hold no dataset in common: a cluster never takes two records of one
 * dataset by probability (one-to-one within a dataset pair), and an exact group that
 * holds a dataset always beats a probabilistic partner of that dataset.
 *
 * A joined cluster is named by its largest group (most live records; ties: the smallest
 * home name), so an exact cluster keeps its name when a lone record joins it, and a
 * cluster of one group keeps its home name for life.
 */
import { DEFAULT_THRESHOLDS, type Thresholds } from "@kruispunt/pprl";

export interface Group {
  /** The group's home cluster name. */
  home: string;
  /** Live records in the group. */
  size: number;
  /** "agency/dataset" of each live record. */
  datasets: readonly string[];
}

export interface ScoredEdge {
  left: string;
  right: string;
  leftHome: string;
  rightHome: string;
  score: number;
  /** Reviewer's resolution of the pair, if any. */
  resolution: "link" | "no_link" | null;
}

/** How two groups of one cluster are tied: directly, or through the joins between them. */
export interface Tie {
  method: "exact" | "pprl" | "review";
  /** 1 for exact; else the lowest match weight on the joins between the two groups. */
  score: number;
}

export interface Solution {
  /** Cluster name of each group's home. */
  clusterOf: Map<string, string>;
  /** How two groups of one cluster are tied ("review" if a reviewer's link is on the way). */
  tie(homeA: string, homeB: string): Tie;
}

const byRefs = (a: ScoredEdge, b: ScoredEdge) =>
  a.left < b.left ? -1 : a.left > b.left ? 1 : a.right < b.right ? -1 : a.right > b.right ? 1 : 0;

/** Decides the joins of one component; see the module comment for the rule. */
export function solve(
  groups: readonly Group[],
  edges: readonly ScoredEdge[],
  t: Thresholds = DEFAULT_THRESHOLDS,
): Solution {
  const parent = new Map(groups.map((g) => [g.home, g.home]));
  const datasets = new Map(groups.map((g) => [g.home, new Set(g.datasets)]));
  const root = (h: string): string => {
    let r = h;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    parent.set(h, r);
    return r;
  };
  const joins = new Map<string, { to: string; tie: Tie }[]>();
  const ordered = [
    ...edges.filter((e) => e.resolution === "link").sort(byRefs),
    ...edges
      .filter((e) => e.resolution === null && e.score >= t.link)
      .sort((a, b) => b.score - a.score || byRefs(a, b)),
  ];
  for (const e of ordered) {
    if (!parent.has(e.leftHome) || !parent.has(e.rightHome)) continue;
    const [a, b] = [root(e.leftHome), root(e.rightHome)];
    if (a === b) continue;
    const [da, db] = [datasets.get(a) as Set<string>, datasets.get(b) as Set<string>];
    if ([...db].some((d) => da.has(d))) continue;
    parent.set(b, a);
    for (const d of db) da.add(d);
    const tie: Tie = { method: e.resolution === "link" ? "review" : "pprl", score: e.score };
    joins.set(e.leftHome, [...(joins.get(e.leftHome) ?? []), { to: e.rightHome, tie }]);
    joins.set(e.rightHome, [...(joins.get(e.rightHome) ?? []), { to: e.leftHome, tie }]);
  }
  const name = new Map<string, Group>();
  for (const g of groups) {
    const r = root(g.home);
    const best = name.get(r);
    if (!best || g.size > best.size || (g.size === best.size && g.home < best.home)) name.set(r, g);
  }
  const clusterOf = new Map(groups.map((g) => [g.home, (name.get(root(g.home)) as Group).home]));
  return { clusterOf, tie: (a, b) => tieBetween(joins, a, b) };
}

/** Walks the joins (a forest) from `a` to `b`. */
function tieBetween(joins: Map<string, { to: string; tie: Tie }[]>, a: string, b: string): Tie {
  if (a === b) return { method: "exact", score: 1 };
  const seen = new Map<string, Tie>([[a, { method: "pprl", score: Number.POSITIVE_INFINITY }]]);
  const queue = [a];
  while (queue.length > 0) {
    const at = queue.shift() as string;
    const sofar = seen.get(at) as Tie;
    for (const j of joins.get(at) ?? []) {
      if (seen.has(j.to)) continue;
      const tie: Tie = {
        method: sofar.method === "review" || j.tie.method === "review" ? "review" : "pprl",
        score: Math.min(sofar.score, j.tie.score),
      };
      if (j.to === b) return tie;
      seen.set(j.to, tie);
      queue.push(j.to);
    }
  }
  throw new Error(`groups ${a} and ${b} are not in one cluster`);
}
