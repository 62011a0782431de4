import { describe, expect, it } from "vitest";
import { type Placed, pendingPairs, type ReviewCandidate } from "./review-queue";

const pair = (
  left: string,
  right: string,
  score: number,
  resolution: ReviewCandidate["resolution"] = null,
): ReviewCandidate => ({ left, right, score, levels: [], resolution });

/** Placements from [ref, dataset, cluster] rows, each cluster holding its rows' datasets. */
function placements(rows: [string, string, string][]): Map<string, Placed> {
  const holds = new Map<string, Set<string>>();
  for (const [, dataset, cluster] of rows)
    holds.set(cluster, (holds.get(cluster) ?? new Set()).add(dataset));
  return new Map(
    rows.map(([ref, dataset, clusterId]) => [
      ref,
      { dataset, clusterId, holds: holds.get(clusterId) as Set<string> },
    ]),
  );
}

describe("which scored pairs wait for clerical review", () => {
  const pairs = [
    pair("a/1", "b/2", 2),
    pair("a/1", "b/1", 3),
    pair("a/1", "c/1", 5),
    pair("b/9", "a/1", 3, "no_link"),
    pair("a/1", "d/1", 2.5),
  ];
  const rows: [string, string, string][] = [
    ["a/1", "a", "c1"],
    ["b/1", "b", "c2"],
    ["b/2", "b", "c3"],
    ["c/1", "c", "c4"],
    ["d/1", "d", "c5"],
    ["b/9", "b", "c5"],
  ];

  it("every unresolved pair between clusters that hold neither record's dataset, with its reason", () => {
    expect(pendingPairs(pairs, placements(rows)).map((p) => [p.left, p.right, p.reason])).toEqual([
      ["a/1", "b/1", "score"],
      ["a/1", "b/2", "score"],
      ["a/1", "c/1", "conflict"],
      ["a/1", "d/1", "score"],
    ]);
  });

  it("none into a dataset the other record's cluster holds, none inside one cluster", () => {
    // b/1 joins a/1's cluster: a/1's other pairs toward b stop waiting, and so does theirs.
    const linked = placements(rows.map(([r, d, c]) => [r, d, r === "b/1" ? "c1" : c]));
    expect(pendingPairs(pairs, linked).map((p) => [p.left, p.right])).toEqual([
      ["a/1", "c/1"],
      ["a/1", "d/1"],
    ]);
    // d/1's cluster gets a record of a's dataset: a/1–d/1 no longer waits either.
    const held = placements([...rows, ["a/7", "a", "c5"]]);
    expect(pendingPairs(pairs, held).map((p) => p.right)).toEqual(["b/1", "b/2", "c/1"]);
    // A pair whose record is not live (not placed) never waits.
    expect(pendingPairs([pair("a/1", "x/1", 3)], placements(rows))).toEqual([]);
  });
});
