/**
 * k-anonymity for released extracts by full-domain generalisation and
 * suppression.
 *
 * Sources:
 * - k-anonymity: L. Sweeney, "k-anonymity: a model for protecting privacy",
 *   and "Achieving k-anonymity privacy protection using generalization and
 *   suppression", Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems
 *   10(5), 2002; P. Samarati, "Protecting respondents' identities in microdata
 *   release", IEEE TKDE 13(6), 2001 (full-domain generalisation over
 *   value-generalisation hierarchies, combined with a bounded suppression).
 * - Threshold k = 10: the minimum-frequency rule of ONS output checking (ONS
 *   Statistical Disclosure Control / SDC handbook; the SRS "rule of thumb" of
 *   10 observations) and the "Rule of 10" of the ABS DataLab output checking
 *   rules (each cell has at least 10 unweighted contributors).
 * - Not implemented here: the ABS dominance rule (n,k) for tables of magnitudes
 *   (the DataLab rules use (1,50) and (2,67): the largest one / two contributors
 *   may not exceed 50% / 67% of a cell's total). It concerns aggregated
 *   magnitude tables, not record-level extracts, and belongs with table output.
 */
import { DisclosureRefusedError } from "./errors";
import type { Cell, Hierarchy, KAnonymityOptions, KAnonymityReport } from "./types";

/** One quasi-identifier column and how to generalise it. */
export interface QuasiIdentifier {
  column: string;
  hierarchy: Hierarchy;
}

/**
 * Makes `rows` k-anonymous over `quasiIdentifiers`: every released combination
 * of generalised quasi-identifier values is shared by at least `opts.k` rows.
 *
 * Rows hold BASE values (the input of each hierarchy's level 0) in the
 * quasi-identifier columns; other columns pass through untouched. null (missing
 * or unparseable) is a value of its own when forming equivalence classes, so
 * rows with a missing year of birth group together rather than with any year.
 *
 * Algorithm — an exhaustive search of the full-domain generalisation lattice
 * (Samarati 2001; Sweeney 2002; the same lattice Incognito prunes):
 * 1. Every combination of levels is a node. A node is feasible when the rows in
 *    equivalence classes smaller than k are at most maxSuppressedShare of all.
 * 2. Among feasible nodes, release the one with the least information loss:
 *    the mean over quasi-identifiers of level / top level (1 − Sweeney's
 *    "Prec" measure), then the fewest suppressed rows, then the lowest levels
 *    in the order the quasi-identifiers are listed. So no column is generalised
 *    to "*" when a milder combination also passes.
 * 3. Suppress (drop) the rows of classes smaller than k. If no node is
 *    feasible, the top node is used and, if it still suppresses too much,
 *    DisclosureRefusedError carries the report. With the standard hierarchies
 *    this happens only when rows.length < k.
 * Deterministic: the result depends only on the multiset of rows. Time
 * O(N · q · n) for N lattice nodes (3 quasi-identifiers of 4 levels: 64), q
 * quasi-identifiers and n rows; lattices above 4,096 nodes are refused (RangeError).
 *
 * Returns the released rows (input order, quasi-identifier columns replaced by
 * their generalised values) and a KAnonymityReport. An empty input releases
 * nothing and is not refused.
 *
 * Throws RangeError if k is not a positive integer, maxSuppressedShare is not
 * in [0, 1], a column is listed twice or a hierarchy has no levels;
 * DisclosureRefusedError (code KRP_ERR_DISCLOSURE_REFUSED) as above.
 */
export function enforceKAnonymity<R extends Record<string, Cell>>(
  rows: R[],
  quasiIdentifiers: QuasiIdentifier[],
  opts: KAnonymityOptions,
): { rows: R[]; report: KAnonymityReport } {
  validate(quasiIdentifiers, opts);
  const { k, maxSuppressedShare } = opts;
  const n = rows.length;
  const columns = new GeneralisedColumns(rows, quasiIdentifiers);
  const top = quasiIdentifiers.map((qi) => qi.hierarchy.levels.length - 1);
  const smallShare = (at: number[]): number =>
    n === 0 ? 0 : rowsInSmallClasses(columns.classSizes(at), k) / n;

  const nodes = top.reduce((count, t) => count * (t + 1), 1);
  if (nodes > MAX_LATTICE_NODES) {
    throw new RangeError(
      `the generalisation lattice has ${nodes} nodes; at most ${MAX_LATTICE_NODES} are searched`,
    );
  }
  let best: { levels: number[]; loss: number; share: number } | null = null;
  for (const candidate of latticeNodes(top)) {
    const share = smallShare(candidate);
    if (share > maxSuppressedShare) continue;
    const loss =
      candidate.reduce(
        (sum, level, i) => sum + (top[i] === 0 ? 0 : level / (top[i] as number)),
        0,
      ) / Math.max(1, candidate.length);
    // latticeNodes yields levels in lexicographic order, so strict < keeps the lowest on ties.
    if (
      !best ||
      loss < best.loss - 1e-12 ||
      (Math.abs(loss - best.loss) <= 1e-12 && share < best.share)
    ) {
      best = { levels: candidate, loss, share };
    }
  }
  const levels = best?.levels ?? [...top];

  const keys = columns.keys(levels);
  const sizes = countKeys(keys);
  const released: R[] = [];
  keys.forEach((key, r) => {
    if ((sizes.get(key) as number) >= k) released.push(columns.generalisedRow(r, levels));
  });
  const releasedSizes = [...sizes.values()].filter((size) => size >= k);
  const report: KAnonymityReport = {
    k,
    levels: Object.fromEntries(
      quasiIdentifiers.map((qi, i) => [
        qi.column,
        qi.hierarchy.levels[levels[i] as number]?.label as string,
      ]),
    ),
    suppressed: n - released.length,
    rows: n,
    released: released.length,
    equivalenceClasses: releasedSizes.length,
    // reduce, not Math.min(...): a large extract can have more classes than spread arguments allow.
    smallestClass: releasedSizes.reduce((min, size) => Math.min(min, size), releasedSizes[0] ?? 0),
  };
  if (n > 0 && report.suppressed / n > maxSuppressedShare) {
    throw new DisclosureRefusedError(report, maxSuppressedShare);
  }
  return { rows: released, report };
}

function validate(quasiIdentifiers: QuasiIdentifier[], opts: KAnonymityOptions): void {
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
}

/** Largest lattice searched exhaustively. */
const MAX_LATTICE_NODES = 4096;

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

/** Rows that belong to classes smaller than k. */
function rowsInSmallClasses(sizes: Map<string, number>, k: number): number {
  let small = 0;
  for (const size of sizes.values()) if (size < k) small += size;
  return small;
}

function countKeys(keys: readonly string[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const key of keys) sizes.set(key, (sizes.get(key) ?? 0) + 1);
  return sizes;
}

/**
 * Each quasi-identifier column generalised to each level, computed once on
 * first use and interned: a row's value is a small integer code into a
 * per-(column, level) dictionary. Class keys are the codes joined by ",", which
 * is unambiguous (digits only) and keeps null apart from the string "null".
 */
class GeneralisedColumns<R extends Record<string, Cell>> {
  private readonly rows: readonly R[];
  private readonly quasiIdentifiers: readonly QuasiIdentifier[];
  private readonly cache = new Map<string, { codes: Uint32Array; values: Cell[] }>();

  constructor(rows: readonly R[], quasiIdentifiers: readonly QuasiIdentifier[]) {
    this.rows = rows;
    this.quasiIdentifiers = quasiIdentifiers;
  }

  /** Class key of every row with the quasi-identifiers at `levels`. */
  keys(levels: readonly number[]): string[] {
    const columns = levels.map((level, i) => this.column(i, level).codes);
    return this.rows.map((_, r) => columns.map((codes) => codes[r]).join(","));
  }

  /** Size of every equivalence class with the quasi-identifiers at `levels`. */
  classSizes(levels: readonly number[]): Map<string, number> {
    return countKeys(this.keys(levels));
  }

  /** Row `r` with its quasi-identifier columns at `levels`; a copy, the input is not modified. */
  generalisedRow(r: number, levels: readonly number[]): R {
    const out: Record<string, Cell> = { ...this.rows[r] };
    levels.forEach((level, i) => {
      const { codes, values } = this.column(i, level);
      const { column } = this.quasiIdentifiers[i] as QuasiIdentifier;
      out[column] = values[codes[r] as number] as Cell;
    });
    return out as R;
  }

  /** Column i at `level`: per-row codes and the dictionary code → generalised value. */
  private column(i: number, level: number): { codes: Uint32Array; values: Cell[] } {
    const cacheKey = `${i}:${level}`;
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) return cached;
    const { column, hierarchy } = this.quasiIdentifiers[i] as QuasiIdentifier;
    const generalise = hierarchy.levels[level]?.generalise as (v: Cell) => Cell;
    const dictionary = new Map<Cell, number>();
    const values: Cell[] = [];
    const codes = new Uint32Array(this.rows.length);
    this.rows.forEach((row, r) => {
      // A missing property counts as missing data, like null.
      const value = generalise(row[column] ?? null);
      let code = dictionary.get(value);
      if (code === undefined) {
        code = values.length;
        dictionary.set(value, code);
        values.push(value);
      }
      codes[r] = code;
    });
    const entry = { codes, values };
    this.cache.set(cacheKey, entry);
    return entry;
  }
}
