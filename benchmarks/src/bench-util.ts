/**
 * Small helpers shared by the issue-3 benchmarks: a seeded PRNG, INSZ test inputs in
 * the forms agencies write them, timing, and a plain-text table.
 */
import { generateInsz } from "@kruispunt/identifiers";
import { seededRng } from "@kruispunt/synthetic";

/** mulberry32, the same seeded PRNG the synthetic data generators use. */
export { seededRng };

/** `85073003328` written as `85.07.30-033.28`. */
export function dotted(insz: string): string {
  return `${insz.slice(0, 2)}.${insz.slice(2, 4)}.${insz.slice(4, 6)}-${insz.slice(6, 9)}.${insz.slice(9)}`;
}

/** `85073003328` written as ` 850730 033 28 ` (spaces inside and around). */
export function spaced(insz: string): string {
  return ` ${insz.slice(0, 6)} ${insz.slice(6, 9)} ${insz.slice(9)} `;
}

export interface InszInputs {
  /** As an agency wrote them: dotted, spaced and plain, in turn. */
  raw: string[];
  /** The 11-digit canonical form of each. */
  canonical: string[];
}

/** `n` valid INSZ numbers from `generateInsz` with a seeded rng, in mixed written forms. */
export function inszInputs(n: number, seed = 20251129): InszInputs {
  const rng = seededRng(seed);
  const raw = new Array<string>(n);
  const canonical = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const insz = generateInsz(rng);
    canonical[i] = insz;
    raw[i] = i % 3 === 0 ? dotted(insz) : i % 3 === 1 ? spaced(insz) : insz;
  }
  return { raw, canonical };
}

/** Runs `fn` once and returns its wall time in seconds. */
export function timeSeconds(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** 1234567.8 → "1 234 568" (thin grouping so columns stay readable). */
export function fmt(value: number, digits = 0): string {
  const fixed = value.toFixed(digits);
  const [int, frac] = fixed.split(".");
  const grouped = (int ?? "").replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** Prints rows as a left/right-aligned text table (first column left, others right). */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

/** Positive integer from the environment, or `fallback`. */
export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
