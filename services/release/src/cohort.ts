/**
 * The cohort of a project: which records of release.records an extract reads, in
 * which order ({@link cohortQuery}), and which persons belong to it ({@link cohortTest}).
 * How the records are read is cohort-read.ts's.
 */
import type { Cell } from "@kruispunt/disclosure";
import type { ProjectSpec, Variable } from "./project";

/** One person of the cohort as read: their cluster and records (dataset, values per variable). */
export interface Person {
  clusterId: string;
  records: { ref: string; id: string; values: Cell[] }[];
}

/**
 * The cohort query, as one SQL text with its values inlined by `literal` (it runs as
 * `COPY (query) TO STDOUT`, which takes no parameters; `literal` is the connection's
 * escapeLiteral, and projectSpecSchema also restricts refs and variable names to
 * letters, digits, `_`, `-` and `/`): every current record of the cohort's and the
 * variables' datasets, ordered by person (one sort, bytewise: cluster ids are hex, and
 * "C" lets PostgreSQL compare abbreviated keys instead of calling strcoll; no self-join:
 * whether a person belongs to the cohort is decided while reading, by
 * {@link cohortTest}). Columns: cluster_id, ref, source_record_id, then one text value
 * per variable, then the birth-date value for cohort.born (if any); a value only from a
 * record of its own dataset (the only one read), else null, so less crosses the wire.
 */
export function cohortQuery(
  spec: ProjectSpec,
  variables: Variable[],
  literal: (value: string) => string,
): string {
  const born = spec.cohort.born;
  const datasets = [
    ...new Set([
      ...spec.cohort.allOf,
      ...variables.map((v) => v.dataset),
      ...(born ? [born.dataset] : []),
    ]),
  ];
  const columns = [...variables, ...(born ? [born] : [])]
    .map(
      (v) =>
        `, CASE WHEN agency || '/' || dataset = ${literal(v.dataset)} THEN variables->>${literal(v.name)} END`,
    )
    .join("");
  return `SELECT cluster_id, agency || '/' || dataset AS ref, source_record_id${columns}
       FROM release.records
       WHERE NOT withdrawn AND agency || '/' || dataset IN (${datasets.map(literal).join(", ")})
       ORDER BY cluster_id COLLATE "C"`;
}

/**
 * The cohort test of a project: whether a person read by {@link cohortQuery} is in the
 * cohort: a record in each of cohort.allOf and, with cohort.born, a record of its
 * dataset whose value starts with a year in [from, to] (YYYYMMDD: eight digits, or a
 * bare year YYYY). Keeps only the records of the variables' datasets, sorted by
 * (dataset, source record id), so the first record of a dataset is always the same one.
 */
export function cohortTest(spec: ProjectSpec, variables: Variable[]): (person: Person) => boolean {
  const wanted = new Set(variables.map((v) => v.dataset));
  return (person) => inCohort(spec, variables, wanted, person);
}

function inCohort(
  spec: ProjectSpec,
  variables: Variable[],
  wanted: Set<string>,
  person: Person,
): boolean {
  const { records } = person;
  for (const d of spec.cohort.allOf) if (!records.some((r) => r.ref === d)) return false;
  const born = spec.cohort.born;
  if (born) {
    const at = variables.length;
    const ok = person.records.some((r) => {
      const value = r.ref === born.dataset ? r.values[at] : null;
      if (typeof value !== "string" || !/^\d{4}(\d{4})?$/.test(value)) return false;
      const year = Number(value.slice(0, 4));
      return year >= born.from && year <= born.to;
    });
    if (!ok) return false;
  }
  person.records = records
    .filter((r) => wanted.has(r.ref))
    .sort((a, b) =>
      a.ref !== b.ref ? (a.ref < b.ref ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
  return true;
}
