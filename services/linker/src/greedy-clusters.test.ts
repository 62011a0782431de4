import { describe, expect, it } from "vitest";
import { type Group, type ScoredEdge, solve } from "./greedy-clusters";

const group = (home: string, ...datasets: string[]): Group => ({
  home,
  size: datasets.length,
  datasets,
});
const edge = (
  left: string,
  right: string,
  score: number,
  resolution: ScoredEdge["resolution"] = null,
): ScoredEdge => ({ left, right, leftHome: left, rightHome: right, score, resolution });
const clusters = (s: ReturnType<typeof solve>) => Object.fromEntries(s.clusterOf);

describe("greedy joins of a component", () => {
  it("joins the best-scoring partner first, one-to-one per dataset pair, whatever the input order", () => {
    const groups = [group("a1", "x/a"), group("b1", "x/b"), group("b2", "x/b")];
    const edges = [edge("a1", "b2", 6), edge("a1", "b1", 9)];
    const expected = { a1: "a1", b1: "a1", b2: "b2" };
    expect(clusters(solve(groups, edges))).toEqual(expected);
    expect(clusters(solve([...groups].reverse(), [...edges].reverse()))).toEqual(expected);
  });

  it("breaks equal weights by reference", () => {
    const groups = [group("a1", "x/a"), group("b1", "x/b"), group("b2", "x/b")];
    const edges = [edge("a1", "b2", 7), edge("a1", "b1", 7)];
    expect(clusters(solve(groups, edges))).toEqual({ a1: "a1", b1: "a1", b2: "b2" });
  });

  it("never joins an exact group to a probabilistic partner of a dataset it holds", () => {
    const groups = [group("g1", "x/a", "x/b"), group("b9", "x/b")];
    expect(clusters(solve(groups, [edge("g1", "b9", 20)]))).toEqual({ g1: "g1", b9: "b9" });
  });

  it("takes a reviewer's link before any score, never a rejected pair, nothing below the link threshold", () => {
    const groups = [group("a1", "x/a"), group("b1", "x/b"), group("b2", "x/b"), group("c1", "x/c")];
    const edges = [
      edge("a1", "b1", 9),
      edge("a1", "b2", 2, "link"),
      edge("a1", "c1", 9, "no_link"),
      edge("b1", "c1", 3.9),
    ];
    const s = solve(groups, edges);
    expect(clusters(s)).toEqual({ a1: "a1", b1: "b1", b2: "a1", c1: "c1" });
    expect(s.tie("a1", "b2")).toEqual({ method: "review", score: 2 });
  });

  it("names a joined cluster by its largest group (ties: smallest name) and ties groups through the joins", () => {
    const groups = [group("z", "x/a", "x/b"), group("m", "x/c"), group("k", "x/d")];
    const s = solve(groups, [edge("z", "m", 8), edge("m", "k", 5)]);
    expect(clusters(s)).toEqual({ z: "z", m: "z", k: "z" });
    expect(s.tie("z", "k")).toEqual({ method: "pprl", score: 5 });
    expect(s.tie("z", "z")).toEqual({ method: "exact", score: 1 });
    const pair = solve([group("q", "x/a"), group("p", "x/b")], [edge("q", "p", 8)]);
    expect(clusters(pair)).toEqual({ q: "p", p: "p" });
  });
});
