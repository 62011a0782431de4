/**
 * Research projects as filed by a researcher: what they ask for, for how long, who
 * may receive the extract, and under which disclosure rules. The committee's
 * decision is stored beside it.
 *
 * The variable list format is stable (other tools, e.g. a dataset catalogue, produce
 * it): `variables: [{dataset: "AGENCY/DATASET", name: SOURCE_VARIABLE, as: COLUMN,
 * hierarchy: "yearOfBirth" | "postcodeRegion" | "categorical"}]`.
 */
import { decodeMemberKey } from "@kruispunt/crypto";
import { type Hierarchy, hierarchies } from "@kruispunt/disclosure";
import { z } from "zod";

const ref = z.string().regex(/^[a-z][a-z0-9_-]{0,63}\/[a-z][a-z0-9_-]{0,63}$/, "AGENCY/DATASET");
const column = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, "a column name: lowercase letters, digits, _");
const sourceVariable = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "a variable name");

/**
 * How a variable is released: its generalisation hierarchy (packages/disclosure);
 * level 0 of the hierarchy is the released form.
 * - `yearOfBirth`: YYYYMMDD → year → 5-year band → 10-year band → *
 * - `postcodeRegion`: postcode → 2-digit region → 1-digit region → *
 * - `categorical`: the value (lowercased) → *
 */
export const hierarchyName = z.enum(["yearOfBirth", "postcodeRegion", "categorical"]);

/** One requested variable: where it comes from and the column it becomes. */
export const variableSchema = z.object({
  dataset: ref,
  name: sourceVariable,
  as: column,
  hierarchy: hierarchyName,
});

/** A project member: the JWT subject that may download, and their X25519 public key. */
const memberSchema = z.object({
  name: z.string().min(1).max(200),
  /** 32-byte X25519 key, base64url without padding (43 characters); `kruispunt keys member`. */
  publicKey: z.string().superRefine((text, ctx) => {
    try {
      decodeMemberKey(text);
    } catch {
      ctx.addIssue({
        code: "custom",
        message: "must be 43 base64url characters of a usable 32-byte X25519 public key",
      });
    }
  }),
});

export const projectSpecSchema = z.object({
  title: z.string().min(3).max(200),
  purpose: z.string().min(3).max(2000),
  legalBasis: z.string().min(3).max(500),
  variables: z.array(variableSchema).min(1).max(100),
  cohort: z.object({
    /** Persons must have a linked record in every one of these datasets. */
    allOf: z.array(ref).min(1).max(10),
    /**
     * Optional: persons born in years from..to (inclusive), read from the first four
     * digits of a YYYYMMDD (or YYYY) variable of one dataset (a person qualifies if any of
     * their records there does).
     */
    born: z
      .object({
        dataset: ref,
        name: sourceVariable,
        from: z.number().int().min(1800).max(2200),
        to: z.number().int().min(1800).max(2200),
      })
      .optional(),
  }),
  /** Output columns (from `variables[].as`) that form the quasi-identifier set. */
  quasiIdentifiers: z.array(column).max(20),
  k: z.number().int().min(2, "k must be at least 2").max(1000).default(10),
  maxSuppressedShare: z.number().min(0).max(1).default(0.05),
  expiresAt: z.iso.datetime(),
  /** Who receives the extract; the filing researcher must be one of them. */
  members: z.array(memberSchema).min(1).max(50),
});
export type ProjectSpec = z.infer<typeof projectSpecSchema>;
export type Variable = ProjectSpec["variables"][number];

/** The generalisation hierarchy a variable is released under. */
export function hierarchyFor(v: Variable): Hierarchy {
  if (v.hierarchy === "categorical") return hierarchies.categorical(v.as);
  return hierarchies[v.hierarchy];
}

/** A problem with a request, naming the field (dotted path) it concerns. */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * Problems a schema cannot see: QIs that are not output columns, duplicate columns
 * or members, an empty birth range, a past expiry, a filer who is not a member.
 * Whether each variable and dataset exists is the catalogue's to say (catalogue-check.ts).
 */
export function specProblems(spec: ProjectSpec, filer: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  spec.variables.forEach((v, i) => {
    if (seen.has(v.as))
      problems.push({ path: `variables.${i}.as`, message: `column "${v.as}" appears twice` });
    if (v.as === "project_pseudonym" || v.as === "dataset")
      problems.push({ path: `variables.${i}.as`, message: `"${v.as}" is reserved` });
    seen.add(v.as);
  });
  spec.quasiIdentifiers.forEach((q, i) => {
    if (!seen.has(q))
      problems.push({
        path: `quasiIdentifiers.${i}`,
        message: `"${q}" is not a requested column`,
      });
  });
  const born = spec.cohort.born;
  if (born) {
    if (born.from > born.to)
      problems.push({ path: "cohort.born.to", message: "must not be before cohort.born.from" });
  }
  const names = spec.members.map((m) => m.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i)
      problems.push({ path: `members.${i}.name`, message: `member ${n} is listed twice` });
  });
  if (!names.includes(filer))
    problems.push({ path: "members", message: `must include the filing researcher ${filer}` });
  if (Date.parse(spec.expiresAt) <= Date.now())
    problems.push({ path: "expiresAt", message: "must lie in the future" });
  return problems;
}

/** Options of one extract, chosen when it is built (`POST /v1/projects/:id/extracts`). */
export const extractRequestSchema = z
  .object({
    /** "person": one row per person; "record": one row per linked record, with a person column. */
    layout: z.enum(["person", "record"]).default("person"),
    /** Columns (variables[].as) to include; default every approved column. */
    variables: z.array(column).min(1).max(100).optional(),
  })
  .strict();
export type ExtractRequest = z.infer<typeof extractRequestSchema>;
