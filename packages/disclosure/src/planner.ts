/**
 * k-anonymity in bounded memory: a histogram of quasi-identifier combinations,
 * planned once, then applied row by row. The release service streams a million
 * persons twice (count, then write) instead of holding them; memory grows with the
 * number of distinct level-0 combinations (years × regions × …), not with rows.
 *
 * Why this is exact: each hierarchy level is a function of level 0 (types.ts), so a
 * class at any lattice node is a union of level-0 classes, and its size is the sum of
 * their counts. The search over the lattice and its tie-breaking are those documented
 * on enforceKAnonymity (Samarati 2001; Sweeney 2002), which is built on this planner.
 */
import { DisclosureRefusedError } from "./errors";
import type { Cell, Hierarchy, KAnonymityOptions, KAnonymityReport } from "./types";

/** One quasi-identifier column and how to generalise it. */
export interface QuasiIdentifier {
  column: string;
  hierarchy: Hierarchy;
}

/** Largest lattice searched exhaustively. */
const MAX_LATTICE_NODES = 4096;

/** The outcome of planning: levels chosen, the report, and how to release one row. */
export interface ReleasePlan {
  report: KAnonymityReport;
  /** Chosen level per quasi-identifier (index into its hierarchy's levels). */
  levels: number[];
  /**
   * The generalised quasi-identifier values of a row given its BASE values (in the
   * planner's column order), or null if its class is below k (suppress the row).
   * A combination never added to the planner is suppressed.
   */
  release(base: readonly Cell[]): Cell[] | null;
}

/**
 * Collects class counts with {@link add}, then {@link plan} chooses the least
 * generalised lattice node whose small classes hold at most maxSuppressedShare of rows.
 * Throws RangeError (constructor) for a k that is not a positive integer, a share
 * outside [0, 1], a column listed twice, a hierarchy without levels or a lattice above
 * 4,096 nodes.
 */
export class KAnonymityPlanner {
  /** Per quasi-identifier: level-0 value → code. */
  private readonly codes: Map<Cell, number>[];
  /** Per quasi-identifier: code → the first base value seen with that level-0 value. */
  private readonly representatives: Cell[][];
  private readonly counts = new Map<string, { codes: number[]; count: number }>();
  private rows = 0;

  constructor(
    private readonly quasiIdentifiers: readonly QuasiIdentifier[],
    private readonly opts: KAnonymityOptions,
  ) {
    validate(quasiIdentifiers, opts);
    this.codes = quasiIdentifiers.map(() => new Map());
    this.representatives = quasiIdentifiers.map(() => []);
  }

  /** Counts one row, given its base values in quasi-identifier order (null = missing). */
  add(base: readonly Cell[]): void {
    const codes = this.quasiIdentifiers.map((qi, i) => {
      const value = (qi.hierarchy.levels[0] as Level).generalise(base[i] ?? null);
      const map = this.codes[i] as Map<Cell, number>;
      let code = map.get(value);
      if (code === undefined) {
        code = map.size;
        map.set(value, code);
        (this.representatives[i] as Cell[]).push(base[i] ?? null);
      }
      return code;
    });
    const key = codes.join(",");
    const entry = this.counts.get(key);
    if (entry) entry.count += 1;
    else this.counts.set(key, { codes, count: 1 });
    this.rows += 1;
  }

  /** Chooses the levels; throws DisclosureRefusedError if even the top node suppresses too much. */
  plan(): ReleasePlan {
    const { k, maxSuppressedShare } = this.opts;
    const n = this.rows;
    const top = this.quasiIdentifiers.map((qi) => qi.hierarchy.levels.length - 1);
    // up[i][level][code0] = code of the generalised value; values[i][level][code] = the value.
    const up: number[][][] = [];
    const values: Cell[][][] = [];
    this.quasiIdentifiers.forEach((qi, i) => {
      up.push([]);
      values.push([]);
      qi.hierarchy.levels.forEach((level) => {
        const dictionary = new Map<Cell, number>();
        const vals: Cell[] = [];
        const map = (this.representatives[i] as Cell[]).map((rep) => {
          const v = level.generalise(rep);
          let c = dictionary.get(v);
          if (c === undefined) {
            c = vals.length;
            dictionary.set(v, c);
            vals.push(v);
          }
          return c;
        });
        (up[i] as number[][]).push(map);
        (values[i] as Cell[][]).push(vals);
      });
    });
    const keyAt = (codes: readonly number[], at: readonly number[]) =>
      codes.map((c, i) => (up[i] as number[][])[at[i] as number]?.[c]).join(",");
    const sizesAt = (at: readonly number[]) => {
      const sizes = new Map<string, number>();
      for (const { codes, count } of this.counts.values()) {
        const key = keyAt(codes, at);
        sizes.set(key, (sizes.get(key) ?? 0) + count);
      }
      return sizes;
    };

    let best: { levels: number[]; loss: number; share: number } | null = null;
    for (const candidate of latticeNodes(top)) {
      let small = 0;
      for (const size of sizesAt(candidate).values()) if (size < k) small += size;
      const share = n === 0 ? 0 : small / n;
      if (share > maxSuppressedShare) continue;
      const loss =
        candidate.reduce((sum, l, i) => sum + (top[i] === 0 ? 0 : l / (top[i] as number)), 0) /
        Math.max(1, candidate.length);
      // latticeNodes yields levels in lexicographic order, so strict < keeps the lowest on ties.
      if (
        !best ||
        loss < best.loss - 1e-12 ||
        (Math.abs(loss - best.loss) <= 1e-12 && share < best.share)
      )
        best = { levels: candidate, loss, share };
    }
    const levels = best?.levels ?? [...top];
    const sizes = sizesAt(levels);
    const releasedSizes = [...sizes.values()].filter((size) => size >= k);
    const released = releasedSizes.reduce((sum, size) => sum + size, 0);
    const report: KAnonymityReport = {
      k,
      levels: Object.fromEntries(
        this.quasiIdentifiers.map((qi, i) => [
          qi.column,
          qi.hierarchy.levels[levels[i] as number]?.label as string,
        ]),
      ),
      suppressed: n - released,
      rows: n,
      released,
      equivalenceClasses: releasedSizes.length,
      // reduce, not Math.min(...): a large extract can have more classes than spread arguments allow.
      smallestClass: releasedSizes.reduce((min, s) => Math.min(min, s), releasedSizes[0] ?? 0),
    };
    if (n > 0 && report.suppressed / n > maxSuppressedShare)
      throw new DisclosureRefusedError(report, maxSuppressedShare);

    const release = (base: readonly Cell[]): Cell[] | null => {
      const codes: number[] = [];
      for (let i = 0; i < this.quasiIdentifiers.length; i++) {
        const level0 = (this.quasiIdentifiers[i]?.hierarchy.levels[0] as Level).generalise(
          base[i] ?? null,
        );
        const code = this.codes[i]?.get(level0);
        if (code === undefined) return null;
        codes.push(code);
      }
      if ((sizes.get(keyAt(codes, levels)) ?? 0) < k) return null;
      return codes.map((c, i) => {
        const level = levels[i] as number;
        return values[i]?.[level]?.[up[i]?.[level]?.[c] as number] ?? null;
      });
    };
    return { report, levels, release };
  }
}

type Level = Hierarchy["levels"][number];

function validate(quasiIdentifiers: readonly QuasiIdentifier[], opts: KAnonymityOptions): void {
  if (!Number.isSafeInteger(opts.k) || opts.k < 1) {
    throw new RangeError(`k must be a positive integer, got ${opts.k}`);
  }
  const share = opts.maxSuppressedShare;
  if (!(share >= 0 && share <= 1)) {
    throw new RangeError(`maxSuppressedShare must be in [0, 1], got ${share}`);
  }
  const seen = new Set<string>();
  for (const { column, hierarchy } of quasiIdentifiers) {
    if (seen.has(column)) throw new RangeError(`quasi-identifier column ${column} listed twice`);
    seen.add(column);
    if (hierarchy.levels.length === 0) {
      throw new RangeError(`hierarchy ${hierarchy.name} has no levels`);
    }
  }
  const nodes = quasiIdentifiers.reduce((count, qi) => count * qi.hierarchy.levels.length, 1);
  if (nodes > MAX_LATTICE_NODES) {
    throw new RangeError(
      `the generalisation lattice has ${nodes} nodes; at most ${MAX_LATTICE_NODES} are searched`,
    );
  }
}

/** Every level vector with 0 ≤ levels[i] ≤ top[i], in lexicographic order. */
function* latticeNodes(top: number[]): Generator<number[]> {
  const levels = top.map(() => 0);
  for (;;) {
    yield [...levels];
    let i = levels.length - 1;
    while (i >= 0 && (levels[i] as number) >= (top[i] as number)) {
      levels[i] = 0;
      i -= 1;
    }
    if (i < 0) return;
    levels[i] = (levels[i] as number) + 1;
  }
}
