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

/** Distinct base values per quasi-identifier whose level-0 code is cached (memory bound). */
const BASE_CACHE_LIMIT = 1 << 16;

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
  /**
   * The same for a row counted earlier, named by the class id {@link KAnonymityPlanner.add}
   * returned for it: lets a caller keep the id instead of the row's base values (a date of
   * birth need not be kept, only its class). Throws RangeError for an id never returned.
   */
  releaseClass(id: number): readonly Cell[] | null;
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
  /** Per quasi-identifier: base value → code, a cache in front of level 0's generalise. */
  private readonly baseCodes: Map<Cell, number>[];
  /** Level-0 combination ("code,code,…") → class id (index into classes). */
  private readonly classIds = new Map<string, number>();
  /** Per class id: its level-0 codes and how many rows were counted in it. */
  private readonly classes: { codes: number[]; count: number }[] = [];
  private rows = 0;

  constructor(
    private readonly quasiIdentifiers: readonly QuasiIdentifier[],
    private readonly opts: KAnonymityOptions,
  ) {
    validate(quasiIdentifiers, opts);
    this.codes = quasiIdentifiers.map(() => new Map());
    this.baseCodes = quasiIdentifiers.map(() => new Map());
    this.representatives = quasiIdentifiers.map(() => []);
  }

  /**
   * Counts one row, given its base values in quasi-identifier order (null = missing).
   * Returns the row's class id: equal for two rows exactly when their level-0 values
   * are equal; small consecutive integers from 0, for {@link ReleasePlan.releaseClass}.
   */
  add(base: readonly Cell[]): number {
    const n = this.quasiIdentifiers.length;
    const codes = new Array<number>(n);
    let key = "";
    for (let i = 0; i < n; i++) {
      const code = this.codeOf(i, base[i] ?? null);
      codes[i] = code;
      key = i === 0 ? String(code) : `${key},${code}`;
    }
    let id = this.classIds.get(key);
    if (id === undefined) {
      id = this.classes.length;
      this.classIds.set(key, id);
      this.classes.push({ codes, count: 1 });
    } else (this.classes[id] as { count: number }).count += 1;
    this.rows += 1;
    return id;
  }

  /**
   * The level-0 code of quasi-identifier i's base value. Base values repeat (dates of
   * birth, postcodes), so each distinct one is generalised once; the cache keeps at most
   * BASE_CACHE_LIMIT of them per column, so a column of unique values cannot grow it
   * without bound.
   */
  private codeOf(i: number, value: Cell): number {
    const cache = this.baseCodes[i] as Map<Cell, number>;
    const cached = cache.get(value);
    if (cached !== undefined) return cached;
    const level0 = (this.quasiIdentifiers[i]?.hierarchy.levels[0] as Level).generalise(value);
    const map = this.codes[i] as Map<Cell, number>;
    let code = map.get(level0);
    if (code === undefined) {
      code = map.size;
      map.set(level0, code);
      (this.representatives[i] as Cell[]).push(value);
    }
    if (cache.size < BASE_CACHE_LIMIT) cache.set(value, code);
    return code;
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
    // The key of a class at lattice node `at`: its generalised codes as one mixed-radix
    // number (radix: the values at that level), or joined as text should that number
    // not stay exact. Numbers because plan() keys every class at every node.
    const keyAt = (codes: readonly number[], at: readonly number[]): number | string => {
      let key = 0;
      let radix = 1;
      for (let i = 0; i < codes.length; i++) {
        const level = at[i] as number;
        key += ((up[i] as number[][])[level]?.[codes[i] as number] as number) * radix;
        radix *= (values[i] as Cell[][])[level]?.length as number;
      }
      if (radix <= Number.MAX_SAFE_INTEGER) return key;
      return codes.map((c, i) => (up[i] as number[][])[at[i] as number]?.[c]).join(",");
    };
    const sizesAt = (at: readonly number[]) => {
      const sizes = new Map<number | string, number>();
      for (const { codes, count } of this.classes) {
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

    // Per class id: its released values, or null if its class at the chosen levels is below k.
    const releasedAs = this.classes.map(({ codes }): Cell[] | null =>
      (sizes.get(keyAt(codes, levels)) ?? 0) < k
        ? null
        : codes.map((c, i) => {
            const level = levels[i] as number;
            return values[i]?.[level]?.[up[i]?.[level]?.[c] as number] ?? null;
          }),
    );
    const releaseClass = (id: number): readonly Cell[] | null => {
      const released = releasedAs[id];
      if (released === undefined) throw new RangeError(`no class ${id} was counted`);
      return released;
    };
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
      const id = this.classIds.get(codes.join(","));
      const released = id === undefined ? null : releaseClass(id);
      return released === null ? null : [...released];
    };
    return { report, levels, release, releaseClass };
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
