/**
 * The catalogue's HTTP API (registered by intake's app). Every registered dataset
 * contract is an entry (a database trigger publishes it on registration); its owning
 * agency adds the metadata a researcher needs to find and request it.
 */
import { datasetName } from "@kruispunt/contracts";
import { KrpError, routeDoc, type ServiceContext, serviceGet } from "@kruispunt/service-kit";
import type { FastifyInstance } from "fastify";
import { catalogueToDcat } from "./dcat";
import { type CatalogueEntry, loadEntries } from "./entries";
import { catalogueMetadataSchema } from "./metadata";

const READERS = ["agency", "researcher", "committee", "auditor", "service"] as const;

/** Current record counts by AGENCY/DATASET from the linker, or null if it does not answer. */
async function recordCounts(ctx: ServiceContext): Promise<Map<string, number> | null> {
  try {
    const stats = await serviceGet<{
      datasets: { agency: string; dataset: string; records: number }[];
    }>(ctx.config.serviceUrls.linker, ctx.jwtSecret, "intake", "/v1/quality/datasets");
    return new Map(stats.datasets.map((d) => [`${d.agency}/${d.dataset}`, d.records]));
  } catch {
    return null;
  }
}

const name = (value: unknown, what: string): string => {
  const parsed = datasetName.safeParse(value);
  if (!parsed.success)
    throw new KrpError("KRP_ERR_BAD_REQUEST", `${what}: lowercase letters, digits, _ and -`);
  return parsed.data;
};

/**
 * - `PUT /v1/datasets/:dataset/catalogue` (agency, own dataset) CatalogueMetadata →
 *   the entry; 400 naming the field; 404 without a registered contract; 422 if
 *   recordDateVariable is not a date variable of the contract. Audited (catalogue.publish).
 * - `GET /v1/catalogue` (any role) → `{entries: CatalogueEntry[]}`.
 * - `GET /v1/catalogue/search?q=…` (any role) → `{query, entries}` ranked by ts_rank;
 *   `q` is web-search syntax ("birth date", "postcode OR state", -excluded); 400 if
 *   empty or over 200 characters.
 * - `GET /v1/catalogue/:agency/:dataset` (any role) → the entry; 404 if unknown.
 * - `GET /v1/catalogue/dcat` (public, for harvesters) → DCAT-AP 3.0.0 JSON-LD,
 *   `application/ld+json`.
 */
export function registerCatalogue(app: FastifyInstance, ctx: ServiceContext): void {
  const baseUrl = ctx.config.serviceUrls.intake.replace(/\/$/, "");

  app.put(
    "/v1/datasets/:dataset/catalogue",
    {
      preHandler: app.authorize("agency"),
      schema: routeDoc("Publish the catalogue metadata of one of the agency's datasets."),
    },
    async (request) => {
      const dataset = name((request.params as { dataset?: string }).dataset, "dataset");
      const agency = request.user.sub;
      const parsed = catalogueMetadataSchema.safeParse(request.body);
      if (!parsed.success)
        throw new KrpError("KRP_ERR_BAD_REQUEST", "the catalogue metadata is invalid", {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
        });
      const { title, description, ...metadata } = parsed.data;
      const [entry] = await loadEntries(ctx.pool, { agency, dataset }, null);
      if (!entry)
        throw new KrpError("KRP_ERR_NOT_FOUND", `agency ${agency} has no dataset "${dataset}"`);
      if (
        metadata.recordDateVariable &&
        !entry.variables.some((v) => v.name === metadata.recordDateVariable && v.type === "date")
      )
        throw new KrpError(
          "KRP_ERR_UNPROCESSABLE",
          `recordDateVariable: "${metadata.recordDateVariable}" is not a date variable of the contract`,
        );
      await ctx.pool.query(
        "UPDATE intake.catalogue SET title = $3, description = $4, metadata = $5 WHERE agency = $1 AND dataset = $2",
        [agency, dataset, title, description, metadata],
      );
      await ctx.audit.record({
        actor: agency,
        role: "agency",
        action: "catalogue.publish",
        object: `${agency}/${dataset}`,
        details: { frequency: metadata.updateFrequency },
      });
      const [updated] = await loadEntries(ctx.pool, { agency, dataset }, await recordCounts(ctx));
      return updated;
    },
  );

  app.get(
    "/v1/catalogue",
    {
      preHandler: app.authorize(...READERS),
      schema: routeDoc("Every catalogue entry (no record data)."),
    },
    async () => ({ entries: await loadEntries(ctx.pool, {}, await recordCounts(ctx)) }),
  );

  app.get(
    "/v1/catalogue/search",
    {
      preHandler: app.authorize(...READERS),
      schema: routeDoc(
        "Full-text search over titles, descriptions and variable names (PostgreSQL websearch_to_tsquery, 'simple' configuration).",
      ),
    },
    async (request) => {
      const q = (request.query as { q?: unknown }).q;
      if (typeof q !== "string" || q.trim() === "" || q.length > 200)
        throw new KrpError("KRP_ERR_BAD_REQUEST", "q: a search text of 1 to 200 characters");
      const entries: CatalogueEntry[] = await loadEntries(
        ctx.pool,
        { search: q },
        await recordCounts(ctx),
      );
      return { query: q, entries };
    },
  );

  app.get(
    "/v1/catalogue/dcat",
    { schema: routeDoc("The catalogue as DCAT-AP 3.0.0 JSON-LD, for portals to harvest.") },
    async (_request, reply) => {
      const entries = await loadEntries(ctx.pool, {}, await recordCounts(ctx));
      reply.type("application/ld+json");
      return catalogueToDcat(entries, baseUrl);
    },
  );

  app.get(
    "/v1/catalogue/:agency/:dataset",
    {
      preHandler: app.authorize(...READERS),
      schema: routeDoc("One catalogue entry."),
    },
    async (request) => {
      const params = request.params as { agency?: string; dataset?: string };
      const agency = name(params.agency, "agency");
      const dataset = name(params.dataset, "dataset");
      const [entry] = await loadEntries(ctx.pool, { agency, dataset }, await recordCounts(ctx));
      if (!entry)
        throw new KrpError("KRP_ERR_NOT_FOUND", `no catalogue entry ${agency}/${dataset}`);
      return entry;
    },
  );
}
