/**
 * Builds an extract for an approved project: one row per person in the cohort,
 * with the approved variables only, the linkage pseudonym replaced by the project
 * pseudonym, and k-anonymity enforced on the quasi-identifiers before anything is
 * written (DESIGN.md invariant 5).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deriveProjectKey, projectPseudonym, sha256Hex } from "@kruispunt/crypto";
import {
  type Cell,
  enforceKAnonymity,
  type Hierarchy,
  hierarchies,
  type KAnonymityReport,
} from "@kruispunt/disclosure";
import type { Pool } from "@kruispunt/store";
import { stringify } from "csv-stringify/sync";
import { type ExtractMember, releasedMembers } from "./extract-members";
import type { ProjectSpec } from "./project";

export interface ExtractResult {
  rows: number;
  suppressed: number;
  report: KAnonymityReport;
  files: { name: string; bytes: number; sha256: string }[];
  /** The released persons (cluster and project pseudonym), for release.extract_members. */
  members: ExtractMember[];
}

function hierarchyFor(spec: ProjectSpec["variables"][number]): Hierarchy {
  if (spec.hierarchy === "categorical") return hierarchies.categorical(spec.as);
  return hierarchies[spec.hierarchy];
}

/**
 * Reads the cohort from release.records, builds and writes `extract.csv` and
 * `codebook.json` into `dir`. Throws DisclosureRefusedError when k-anonymity would
 * suppress more than the project's allowed share.
 */
export async function buildExtract(options: {
  pool: Pool;
  projectId: string;
  spec: ProjectSpec;
  decisionReference: string;
  releaseKey: Uint8Array;
  releaseKeyVersion: number;
  dir: string;
}): Promise<ExtractResult> {
  const { spec } = options;
  const cohort = spec.cohort.allOf;
  const wanted = [...new Set([...cohort, ...spec.variables.map((v) => v.dataset)])];
  // Persons = clusters with a current record in every cohort dataset.
  const { rows } = await options.pool.query<{
    cluster_id: string;
    ref: string;
    variables: Record<string, string>;
  }>(
    `WITH cohort AS (
       SELECT cluster_id FROM release.records
       WHERE NOT withdrawn AND agency || '/' || dataset = ANY($1)
       GROUP BY cluster_id HAVING count(DISTINCT agency || '/' || dataset) = $2)
     SELECT r.cluster_id, r.agency || '/' || r.dataset AS ref, r.variables
     FROM release.records r JOIN cohort c USING (cluster_id)
     WHERE NOT r.withdrawn AND r.agency || '/' || r.dataset = ANY($3)
     ORDER BY r.cluster_id, ref, r.source_record_id`,
    [cohort, cohort.length, wanted],
  );
  const projectKey = deriveProjectKey(options.releaseKey, options.projectId);
  const persons = new Map<string, Record<string, Cell>>();
  for (const row of rows) {
    let person = persons.get(row.cluster_id);
    if (!person) {
      person = { project_pseudonym: projectPseudonym(projectKey, row.cluster_id) };
      persons.set(row.cluster_id, person);
    }
    for (const v of spec.variables) {
      // One-to-one linkage gives one record per dataset; the first (by record id) wins otherwise.
      if (v.dataset === row.ref && !(v.as in person)) person[v.as] = row.variables[v.name] ?? null;
    }
  }
  const qis = spec.variables
    .filter((v) => spec.quasiIdentifiers.includes(v.as))
    .map((v) => ({ column: v.as, hierarchy: hierarchyFor(v) }));
  const qiColumns = new Set(qis.map((q) => q.column));
  // Quasi-identifier columns keep their source values (enforceKAnonymity generalises
  // them); every other column gets its hierarchy's level 0, the released form.
  const input = [...persons.values()].map((p) => {
    const row: Record<string, Cell> = { project_pseudonym: p.project_pseudonym ?? null };
    for (const v of spec.variables) {
      const value = p[v.as] ?? null;
      row[v.as] = qiColumns.has(v.as)
        ? value
        : (hierarchyFor(v).levels[0]?.generalise(value) ?? null);
    }
    return row;
  });
  const { rows: released, report } = enforceKAnonymity(input, qis, {
    k: spec.k,
    maxSuppressedShare: spec.maxSuppressedShare,
  });
  released.sort((a, b) => String(a.project_pseudonym).localeCompare(String(b.project_pseudonym)));

  const columns = ["project_pseudonym", ...spec.variables.map((v) => v.as)];
  const csv = stringify(released, { header: true, columns, cast: { string: (s) => s } });
  const codebook = {
    format: "kruispunt-codebook/1",
    projectId: options.projectId,
    title: spec.title,
    approval: options.decisionReference,
    createdAt: new Date().toISOString(),
    layout: "one row per person",
    cohort: { allOf: cohort, persons: persons.size },
    rows: released.length,
    columns: [
      {
        name: "project_pseudonym",
        source: "kruispunt",
        description:
          "Project pseudonym: HMAC-SHA-256 under this project's key; differs from every other project's",
        type: "hex string (64)",
      },
      ...spec.variables.map((v) => ({
        name: v.as,
        source: `${v.dataset}.${v.name}`,
        hierarchy: v.hierarchy,
        released: qiColumns.has(v.as) ? report.levels[v.as] : hierarchyFor(v).levels[0]?.label,
        quasiIdentifier: qiColumns.has(v.as),
        levels: hierarchyFor(v).levels.map((l) => l.label),
        missing: {
          cells: released.filter((r) => r[v.as] === null).length,
          shownAs: "empty cell (no or unparseable value at source)",
        },
        withheld: "* means the value was generalised away by disclosure control",
      })),
    ],
    linkage: {
      method:
        "exact: equal linkage pseudonyms of the national identifier (keyed hash, or blind-mode ElGamal then keyed hash)",
      coverage: `persons with a linked record in each of ${cohort.join(", ")}; a person whose identifier differs between agencies (e.g. a typo) is not linked, so not in this cohort`,
    },
    disclosureControl: {
      rule: `k-anonymity with k=${spec.k} over the quasi-identifiers: no released combination of their values describes fewer than ${spec.k} persons (ONS and ABS output checking use a threshold of 10)`,
      maxSuppressedShare: spec.maxSuppressedShare,
      report,
    },
    keys: { releaseKeyVersion: options.releaseKeyVersion },
  };
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const files = [
    { name: "extract.csv", content: csv },
    { name: "codebook.json", content: `${JSON.stringify(codebook, null, 2)}\n` },
  ];
  for (const f of files) writeFileSync(join(options.dir, f.name), f.content, { mode: 0o600 });
  return {
    rows: released.length,
    members: releasedMembers(persons, released),
    suppressed: report.suppressed,
    report,
    files: files.map((f) => ({
      name: f.name,
      bytes: Buffer.byteLength(f.content),
      sha256: sha256Hex(f.content),
    })),
  };
}
