/**
 * The codebook delivered with every extract, as JSON shaped after DDI-Codebook 2.5
 * (Data Documentation Initiative, https://ddialliance.org/Specification/DDI-Codebook/2.5/):
 * `docDscr` (this document), `stdyDscr` (the project and its approval), `fileDscr`
 * (one per delivered data file), `dataDscr.var` (one per column: label, type, unit,
 * provenance, generalisation applied, missing values), plus `disclosureControl`, the
 * report of what k-anonymity generalised and suppressed and the rules it followed.
 * Element names follow DDI's (titl, IDNo, abstract, useStmt, varFormat, …) where one
 * exists; fields without a DDI element (provenance, generalisation) say so in their name.
 */
import type { KAnonymityReport } from "@kruispunt/disclosure";
import type { DeliveredFile } from "./delivery";
import { hierarchyFor, type ProjectSpec, type Variable } from "./project";

/** Unit and label of each hierarchy's released values. */
const UNITS: Record<Variable["hierarchy"], { unit: string; describes: string }> = {
  yearOfBirth: {
    unit: "calendar year (Gregorian), or a band of years 'YYYY-YYYY'",
    describes:
      "year of birth (from a YYYYMMDD date or a YYYY year); the full date is never released",
  },
  postcodeRegion: {
    unit: "postcode region: leading digits of a 4-digit Australian postcode, 'x' for withheld digits",
    describes: "region of the postcode; the full postcode is never released",
  },
  categorical: { unit: "category (trimmed, lower-cased)", describes: "category as recorded" },
};

export interface CodebookInput {
  extractId: string;
  projectId: string;
  spec: ProjectSpec;
  variables: Variable[];
  layout: "person" | "record";
  columns: string[];
  decisionReference: string;
  releaseKeyVersion: number;
  persons: number;
  rows: number;
  /** Records released per dataset (AGENCY/DATASET → count). */
  recordsPerDataset: Record<string, number>;
  /** Per variable: released rows where it is empty. */
  missing: number[];
  report: KAnonymityReport;
  files: DeliveredFile[];
}

/** The codebook object (serialised as codebook.json). */
export function buildCodebook(input: CodebookInput) {
  const { spec, report } = input;
  const qi = new Set(spec.quasiIdentifiers);
  const layoutText =
    input.layout === "person"
      ? "one row per person"
      : "one row per linked record, with the person's project pseudonym in column project_pseudonym";
  return {
    format: "kruispunt-codebook/2 (shaped after DDI-Codebook 2.5)",
    docDscr: {
      citation: {
        titlStmt: { titl: `Codebook of extract ${input.extractId}`, IDNo: input.extractId },
        prodStmt: { producer: "Kruispunt release service", prodDate: new Date().toISOString() },
      },
    },
    stdyDscr: {
      citation: { titlStmt: { titl: spec.title, IDNo: input.projectId } },
      stdyInfo: {
        abstract: spec.purpose,
        sumDscr: {
          universe: {
            allOf: spec.cohort.allOf,
            ...(spec.cohort.born ? { born: spec.cohort.born } : {}),
            text: `persons with a linked record in each of ${spec.cohort.allOf.join(", ")}${
              spec.cohort.born
                ? `, born ${spec.cohort.born.from}–${spec.cohort.born.to} per ${spec.cohort.born.dataset}.${spec.cohort.born.name}`
                : ""
            }`,
          },
        },
      },
      method: {
        dataColl: {
          linkage:
            "exact, then probabilistic: records with equal linkage pseudonyms of the national identifier (keyed hash, or blind-mode ElGamal then keyed hash) are one person; in keyed mode (blind mode links exactly only) a record with no exact partner (its identifier mistyped, invalid or missing) is linked on keyed Bloom-filter encodings of its quasi-identifiers (Dice per field, Fellegi-Sunter match weight, one-to-one per dataset pair) when it scores at or above the link threshold, or by a clerical reviewer's decision; a person whose identifier differs between agencies and whose quasi-identifiers do not score high enough is not linked, so not in this cohort",
        },
      },
      dataAccs: {
        useStmt: {
          confDec: spec.legalBasis,
          restrctn: `approved by the committee under ${input.decisionReference}; for the members of project ${input.projectId} only, until ${spec.expiresAt}`,
        },
      },
    },
    fileDscr: input.files
      .filter((f) => f.name !== "codebook.json")
      .map((f, i) => ({
        ID: `F${i + 1}`,
        fileTxt: {
          fileName: f.name,
          fileType: f.name.endsWith(".csv")
            ? "text/csv (RFC 4180, UTF-8, header row)"
            : "application/vnd.apache.parquet (UTF8 string columns, SNAPPY)",
          fileStrc: layoutText,
          dimensns: { caseQnty: input.rows, varQnty: input.columns.length },
          bytes: f.bytes,
          sha256: f.sha256,
        },
      })),
    dataDscr: {
      var: [
        {
          name: "project_pseudonym",
          labl: "Project pseudonym: HMAC-SHA-256 under this project's key; differs from every other project's",
          varFormat: { type: "character", schema: "hex string (64)" },
          provenance: { source: "kruispunt", releaseKeyVersion: input.releaseKeyVersion },
        },
        ...(input.layout === "record"
          ? [
              {
                name: "dataset",
                labl: "Dataset (AGENCY/DATASET) of the record this row describes",
                varFormat: { type: "character" },
                provenance: { source: "kruispunt" },
              },
            ]
          : []),
        ...input.variables.map((v, i) => {
          const h = hierarchyFor(v);
          const levels = h.levels.map((l) => l.label);
          const released = qi.has(v.as) ? (report.levels[v.as] as string) : (levels[0] as string);
          return {
            name: v.as,
            labl: `${UNITS[v.hierarchy].describes} (${v.dataset}.${v.name})`,
            varFormat: { type: "character" },
            unit: UNITS[v.hierarchy].unit,
            provenance: { dataset: v.dataset, variable: v.name },
            quasiIdentifier: qi.has(v.as),
            generalisation: {
              hierarchy: v.hierarchy,
              levels,
              released,
              generalisedBeyondLevel0: levels.indexOf(released) > 0,
            },
            invalrng: { item: "*", meaning: "value generalised away by disclosure control" },
            missing: {
              cells: input.missing[i],
              shownAs: "empty cell in CSV, null in Parquet (no or unparseable value at source)",
            },
          };
        }),
      ],
    },
    provenance: Object.entries(input.recordsPerDataset).map(([dataset, records]) => ({
      dataset,
      recordsReleased: records,
      variables: input.variables.filter((v) => v.dataset === dataset).map((v) => v.name),
    })),
    disclosureControl: {
      rule: `k-anonymity with k=${report.k} over the quasi-identifiers ${spec.quasiIdentifiers.join(", ") || "(none)"}: no released combination of their values describes fewer than ${report.k} persons. Generalise (full-domain, least information loss) first; suppress persons in classes still below k; refuse the release if more than ${spec.maxSuppressedShare} of persons would be suppressed.`,
      sources: [
        "ONS Statistical Disclosure Control guidance and SRS output checking: minimum frequency threshold of 10",
        "ABS DataLab output checking rules: 'rule of 10' (at least 10 unweighted contributors per cell); dominance rules (1,50) and (2,67) apply to tables of magnitudes, not to record-level extracts",
        "Sweeney 2002 (k-anonymity, generalisation and suppression); Samarati 2001 (full-domain generalisation)",
      ],
      maxSuppressedShare: spec.maxSuppressedShare,
      persons: input.persons,
      report,
    },
  };
}
