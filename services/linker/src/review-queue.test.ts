import { describe, expect, it } from "vitest";
import { pendingPairs, type ReviewCandidate } from "./review-queue";

const pair = (
  left: string,
  right: string,
  score: number,
  resolution: ReviewCandidate["resolution"] = null,
): ReviewCandidate => ({ left, right, score, levels: [], resolution });
const at = (dataset: string, clusterId: string) => ({ dataset, clusterId });

describe("which scored pairs wait for clerical review", () => {
  it("the best pair of a record toward each other dataset, none into a dataset its cluster holds", () => {
    const placed = new Map([
      ["a/1", at("a", "c1")],
      ["b/1", at("b", "c2")],
      ["b/2", at("b", "c3")],
      ["c/1", at("c", "c4")],
      ["d/1", at("d", "c5")],
      ["b/9", at("b", "c5")],
    ]);
    const pending = pendingPairs(
      [
        pair("a/1", "b/2", 2),
        pair("a/1", "b/1", 3),
        pair("a/1", "c/1", 5),
        pair("b/9", "a/1", 3, "no_link"),
        pair("a/1", "d/1", 2.5),
      ],
      placed,
    );
    expect(pending.map((p) => [p.left, p.right, p.reason])).toEqual([
      ["a/1", "b/1", "score"],
      ["a/1", "c/1", "conflict"],
      ["a/1", "d/1", "score"],
    ]);
    // Once b/1 is in a/1's cluster, a/1's pair with b/2 no longer waits, even alone.
    placed.set("b/1", at("b", "c1"));
    expect(pendingPairs([pair("a/1", "b/2", 2)], placed)).toEqual([]);
    placed.set("b/1", at("b", "c2"));
    expect(pendingPairs([pair("a/1", "b/2", 2)], placed).length).toBe(1);
  });
});
