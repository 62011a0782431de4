/** Shapes shared by the disclosure-control modules. */

/** One value of an extract column; null = missing or unparseable. */
export type Cell = string | null;

/**
 * A generalisation hierarchy for one quasi-identifier. Each level's
 * `generalise` maps a BASE input value (as stored in the row, e.g. "19530412")
 * straight to that level's form, so levels need not be applied in sequence.
 * Level 0 is the most detailed form that may be released; each next level is
 * coarser (a function of the previous one, so raising a level only merges
 * equivalence classes); the last level maps every value, null included, to "*".
 */
export interface Hierarchy {
  name: string;
  levels: { label: string; generalise: (v: Cell) => Cell }[];
}

/** Parameters of enforceKAnonymity. */
export interface KAnonymityOptions {
  /** Minimum equivalence-class size, e.g. 10 (the ONS / ABS output threshold). */
  k: number;
  /** Largest tolerated share (0..1) of input rows dropped by suppression, e.g. 0.05. */
  maxSuppressedShare: number;
}

/** What enforceKAnonymity did, for the release record and the audit log. */
export interface KAnonymityReport {
  k: number;
  /** Quasi-identifier column → label of the hierarchy level released. */
  levels: Record<string, string>;
  /** Input rows dropped because their class was smaller than k. */
  suppressed: number;
  /** Input rows. */
  rows: number;
  /** Output rows (rows − suppressed). */
  released: number;
  /** Number of released equivalence classes (each of size ≥ k). */
  equivalenceClasses: number;
  /** Size of the smallest released class; 0 when nothing is released. */
  smallestClass: number;
}
