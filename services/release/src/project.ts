/**
 * Research projects as filed by a researcher: what they ask for, for how long, and
 * under which disclosure rules. The committee's decision is stored beside it.
 */
import { z } from "zod";

const ref = z.string().regex(/^[a-z][a-z0-9_-]{0,63}\/[a-z][a-z0-9_-]{0,63}$/, "AGENCY/DATASET");
const column = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, "a column name: lowercase letters, digits, _");

/**
 * How a variable is released: its generalisation hierarchy (packages/disclosure);
 * level 0 of the hierarchy is the released form.
 * - `yearOfBirth`: YYYYMMDD → year → 5-year band → 10-year band → *
 * - `postcodeRegion`: postcode → 2-digit region → 1-digit region → *
 * - `categorical`: the value (lowercased) → *
 */
export const hierarchyName = z.enum(["yearOfBirth", "postcodeRegion", "categorical"]);

export const projectSpecSchema = z.object({
  title: z.string().min(3).max(200),
  purpose: z.string().min(3).max(2000),
  legalBasis: z.string().min(3).max(500),
  variables: z
    .array(
      z.object({
        dataset: ref,
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
        as: column,
        hierarchy: hierarchyName,
      }),
    )
    .min(1)
    .max(100),
  /** Persons must have a linked record in every one of these datasets. */
  cohort: z.object({ allOf: z.array(ref).min(1).max(10) }),
  /** Output columns (from `variables[].as`) that form the quasi-identifier set. */
  quasiIdentifiers: z.array(column).max(20),
  k: z.number().int().min(2).max(1000).default(10),
  maxSuppressedShare: z.number().min(0).max(1).default(0.05),
  expiresAt: z.iso.datetime(),
});
export type ProjectSpec = z.infer<typeof projectSpecSchema>;

/** Problems a schema cannot see: QIs that are not output columns, duplicate columns. */
export function specProblems(spec: ProjectSpec): string[] {
  const problems: string[] = [];
  const columns = spec.variables.map((v) => v.as);
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) problems.push(`variables: column "${c}" appears twice`);
    seen.add(c);
  }
  for (const q of spec.quasiIdentifiers)
    if (!seen.has(q)) problems.push(`quasiIdentifiers: "${q}" is not a requested column`);
  if (columns.includes("project_pseudonym"))
    problems.push(`variables: "project_pseudonym" is reserved`);
  if (Date.parse(spec.expiresAt) <= Date.now()) problems.push("expiresAt: must lie in the future");
  return problems;
}
