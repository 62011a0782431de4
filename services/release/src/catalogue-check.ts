/**
 * A project request picks its variables from the catalogue (issue 9): before a
 * project is filed, every variable it names and every cohort dataset must be in
 * intake's catalogue, so the request form is the same for every agency. Release asks
 * intake (`GET /v1/catalogue`, role service) rather than reading intake's tables.
 */
import { KrpError, serviceGet } from "@kruispunt/service-kit";
import type { ProjectSpec } from "./project";

interface CatalogueEntries {
  entries: { ref: string; variables: { name: string }[] }[];
}

/** Problems naming each variable or cohort dataset the catalogue lacks (empty if none). */
export function catalogueProblems(spec: ProjectSpec, catalogue: CatalogueEntries): string[] {
  const variables = new Map(
    catalogue.entries.map((e) => [e.ref, new Set(e.variables.map((v) => v.name))]),
  );
  const problems: string[] = [];
  spec.variables.forEach((v, i) => {
    const known = variables.get(v.dataset);
    if (!known) problems.push(`variables.${i}: the catalogue has no dataset ${v.dataset}`);
    else if (!known.has(v.name))
      problems.push(`variables.${i}: the catalogue has no variable ${v.dataset}/${v.name}`);
  });
  spec.cohort.allOf.forEach((ref, i) => {
    if (!variables.has(ref))
      problems.push(`cohort.allOf.${i}: the catalogue has no dataset ${ref}`);
  });
  return problems;
}

/**
 * Throws KRP_ERR_BAD_REQUEST (400) listing what the catalogue lacks, or
 * KRP_ERR_UNAVAILABLE (503) when intake does not answer.
 */
export async function assertInCatalogue(
  spec: ProjectSpec,
  intakeUrl: string,
  jwtSecret: string,
): Promise<void> {
  const catalogue = await serviceGet<CatalogueEntries>(
    intakeUrl,
    jwtSecret,
    "release",
    "/v1/catalogue",
  );
  const problems = catalogueProblems(spec, catalogue);
  if (problems.length > 0)
    throw new KrpError(
      "KRP_ERR_BAD_REQUEST",
      `the project names what the catalogue lacks: ${problems[0]}`,
      {
        issues: problems,
      },
    );
}
