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
import { KAnonymityPlanner, type QuasiIdentifier } from "./planner";
import type { Cell, KAnonymityOptions, KAnonymityReport } from "./types";

export type { QuasiIdentifier } from "./planner";

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
 * O(q · n + N · q · c) for N lattice nodes (3 quasi-identifiers of 4 levels: 64), q
 * quasi-identifiers, n rows and c distinct level-0 combinations (KAnonymityPlanner);
 * lattices above 4,096 nodes are refused (RangeError).
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
  const planner = new KAnonymityPlanner(quasiIdentifiers, opts);
  // A missing property counts as missing data, like null.
  const baseOf = (row: R) => quasiIdentifiers.map((qi) => row[qi.column] ?? null);
  for (const row of rows) planner.add(baseOf(row));
  const { report, release } = planner.plan();
  const released: R[] = [];
  for (const row of rows) {
    const values = release(baseOf(row));
    if (values === null) continue;
    const out: Record<string, Cell> = { ...row };
    quasiIdentifiers.forEach((qi, i) => {
      out[qi.column] = values[i] ?? null;
    });
    released.push(out as R);
  }
  return { rows: released, report };
}
