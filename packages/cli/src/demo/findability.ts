/**
 * The findability and data-quality part of the main job (issue 9), as the personas
 * would do it over HTTP: agencies publish catalogue metadata; after linkage each
 * agency reads its quality report; the researcher searches the catalogue; the DCAT-AP
 * export is written for a portal; after the extract the researcher files an error
 * report on one released person's postcode region (beta's variable), beta finds its
 * own record in its inbox and answers, the researcher reads the answer; beta reads
 * which projects used its variables.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KruispuntClient } from "../client";

const agency = (sub: string) => ({ sub, role: "agency" as const });

/** Catalogue metadata the demo agencies publish for FEBRL 4. */
export function febrlCatalogueMetadata(name: string) {
  return {
    title: `Persons register of agency ${name} (FEBRL 4)`,
    description: `Synthetic person records of agency ${name} from the FEBRL 4 benchmark: state, postcode and date of birth, with the social security number as identifier.`,
    coverage: { from: "1900-01-01" },
    updateFrequency: "irregular",
    legalBasis: "GDPR art. 6(1)(e) and 9(2)(j); demonstration data",
  };
}

/** Publishes the catalogue metadata of `name`'s dataset `persons`. */
export async function publishCatalogueEntry(client: KruispuntClient, name: string): Promise<void> {
  await client.request(
    "intake",
    "PUT",
    "/v1/datasets/persons/catalogue",
    agency(name),
    febrlCatalogueMetadata(name),
  );
}

export interface QualitySummary {
  upload: string | null;
  completeness: Record<string, number>;
  identifier_valid_rate: number | null;
  duplicate_identifier_records: number | null;
  /** Per other dataset: linked records, rate, by method. */
  linkage: { dataset: string; linked: number; rate: number; byMethod: Record<string, number> }[];
  acceptance_to_linked_seconds: number | null;
}

export interface FindabilitySummary {
  catalogue: { entries: string[]; search: { query: string; hits: string[] }; dcat: string };
  quality: Record<string, QualitySummary>;
}

interface DatasetReport {
  latestUpload: {
    uploadId: string;
    profile: {
      completeness: Record<string, { share: number }>;
      identifier: { validRate: number };
    };
  } | null;
  linkageStore: {
    duplicateIdentifierRecords: number;
    linkage: QualitySummary["linkage"];
  } | null;
  freshness: { acceptanceToLinkedSeconds: number | null };
}

/** After linkage: catalogue listing and search, DCAT-AP export, each agency's quality report. */
export async function catalogueAndQuality(
  client: KruispuntClient,
  agencies: string[],
  researcherSub: string,
  outDir: string,
  say: (line: string) => void,
): Promise<FindabilitySummary> {
  const researcher = { sub: researcherSub, role: "researcher" as const };
  const all = await client.request<{ entries: { ref: string }[] }>(
    "intake",
    "GET",
    "/v1/catalogue",
    researcher,
  );
  const query = "postcode";
  const found = await client.request<{ entries: { ref: string }[] }>(
    "intake",
    "GET",
    `/v1/catalogue/search?q=${query}`,
    researcher,
  );
  const dcat = await client.download("intake", "/v1/catalogue/dcat", researcher);
  const dcatPath = join(outDir, "catalogue.dcat.jsonld");
  writeFileSync(dcatPath, dcat);
  say(
    `catalogue: ${all.entries.length} entries (${all.entries.map((e) => e.ref).join(", ")}); search "${query}" finds ${found.entries.length}; DCAT-AP export → ${dcatPath}`,
  );
  const quality: Record<string, QualitySummary> = {};
  for (const name of agencies) {
    const r = await client.request<DatasetReport>(
      "intake",
      "GET",
      "/v1/datasets/persons/quality",
      agency(name),
    );
    quality[name] = {
      upload: r.latestUpload?.uploadId ?? null,
      completeness: Object.fromEntries(
        Object.entries(r.latestUpload?.profile.completeness ?? {}).map(([f, c]) => [f, c.share]),
      ),
      identifier_valid_rate: r.latestUpload?.profile.identifier.validRate ?? null,
      duplicate_identifier_records: r.linkageStore?.duplicateIdentifierRecords ?? null,
      linkage: r.linkageStore?.linkage ?? [],
      acceptance_to_linked_seconds: r.freshness.acceptanceToLinkedSeconds,
    };
    say(
      `quality ${name}/persons: identifier valid ${quality[name].identifier_valid_rate}, ${(
        quality[name].linkage ?? []
      )
        .map((l) => `linked to ${l.dataset} ${l.linked} (${l.rate}; ${JSON.stringify(l.byMethod)})`)
        .join("; ")}`,
    );
  }
  return {
    catalogue: {
      entries: all.entries.map((e) => e.ref),
      search: { query, hits: found.entries.map((e) => e.ref) },
      dcat: dcatPath,
    },
    quality,
  };
}

export interface ErrorReportSummary {
  report: string;
  routed_to: string;
  dataset: string;
  source_records: number;
  outcome: string;
  answer_seen_by_researcher: boolean;
  project_pseudonym_seen_by_agency: boolean;
}

/**
 * After the extract: the researcher reports a suspected error in `column` of the
 * person in the extract's first row; `owner` answers "confirmed"; the researcher
 * reads the answer back. Also returns `owner`'s usage view.
 */
export async function errorReportRoundTrip(
  client: KruispuntClient,
  options: {
    researcherSub: string;
    projectId: string;
    extractCsv: string;
    column: string;
    owner: string;
  },
  say: (line: string) => void,
): Promise<{
  error_report: ErrorReportSummary;
  usage: { project: string; variables: string[]; persons: number }[];
}> {
  const researcher = { sub: options.researcherSub, role: "researcher" as const };
  const firstRow = options.extractCsv.split("\n")[1] ?? "";
  const projectPseudonym = firstRow.split(",")[0] ?? "";
  const filed = await client.request<{ reportId: string; dataset: string }>(
    "release",
    "POST",
    `/v1/projects/${options.projectId}/error-reports`,
    researcher,
    {
      projectPseudonym,
      variable: options.column,
      description: "The postcode region looks inconsistent with the state for this person.",
    },
  );
  const inbox = await client.request<{
    reports: { reportId: string; sourceRecordIds: string[] }[];
  }>("release", "GET", "/v1/error-reports", agency(options.owner));
  const routed = inbox.reports.find((r) => r.reportId === filed.reportId);
  if (!routed) throw new Error(`error report ${filed.reportId} did not reach ${options.owner}`);
  say(
    `error report ${filed.reportId} on ${options.column} reached agency ${options.owner} as its record(s) ${routed.sourceRecordIds.join(", ")} (no project pseudonym)`,
  );
  const answered = await client.request<{ status: string }>(
    "release",
    "POST",
    `/v1/error-reports/${filed.reportId}/answer`,
    agency(options.owner),
    {
      outcome: "confirmed",
      comment: "Checked against the source register: the postcode was keyed wrongly.",
    },
  );
  const back = await client.request<{
    reports: { reportId: string; status: string; answer: string | null }[];
  }>("release", "GET", `/v1/projects/${options.projectId}/error-reports`, researcher);
  const seen = back.reports.find((r) => r.reportId === filed.reportId);
  say(
    `agency ${options.owner} answered "${answered.status}"; the researcher sees: ${seen?.status} — ${seen?.answer}`,
  );
  const usage = await client.request<{
    releases: { projectId: string; variables: string[]; persons: number }[];
  }>("release", "GET", "/v1/usage", agency(options.owner));
  for (const u of usage.releases)
    say(
      `usage for ${options.owner}: project ${u.projectId} received ${u.variables.join(", ")} for ${u.persons} persons`,
    );
  return {
    error_report: {
      report: filed.reportId,
      routed_to: options.owner,
      dataset: filed.dataset,
      source_records: routed.sourceRecordIds.length,
      outcome: answered.status,
      answer_seen_by_researcher: seen?.status === answered.status && seen?.answer !== null,
      project_pseudonym_seen_by_agency: JSON.stringify(inbox).includes(projectPseudonym),
    },
    usage: usage.releases.map((u) => ({
      project: u.projectId,
      variables: u.variables,
      persons: u.persons,
    })),
  };
}
