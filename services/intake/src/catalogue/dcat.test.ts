import { describe, expect, it } from "vitest";
import { catalogueToDcat } from "./dcat";
import { validateDcat } from "./dcat-validate";
import type { CatalogueEntry } from "./entries";

const DCAT = "http://www.w3.org/ns/dcat#";
const DCT = "http://purl.org/dc/terms/";
const FOAF = "http://xmlns.com/foaf/0.1/";
const BASE = "https://kruispunt.example";

const entry = (agency: string, over: Partial<CatalogueEntry> = {}): CatalogueEntry => ({
  ref: `${agency}/persons`,
  agency,
  dataset: "persons",
  title: `Persons register of ${agency}`,
  description: "FEBRL 4 persons",
  publisher: agency,
  identifierScheme: "febrl-ssn",
  mode: "keyed",
  variables: [
    { name: "state", type: "category", description: "state", allowedValues: ["nsw", "vic"] },
    { name: "postcode", type: "string", description: "4-digit postcode" },
    { name: "age", type: "integer", description: "age", unit: "year" },
  ],
  coverage: { from: "2020-01-01", to: "2024-12-31" },
  updateFrequency: "monthly",
  legalBasis: "GDPR art. 6(1)(e)",
  recordDateVariable: null,
  languages: ["en"],
  lastUpdate: "2026-11-29T10:00:00.000Z",
  recordCount: 5000,
  publishedAt: "2026-11-29T09:00:00.000Z",
  updatedAt: "2026-11-29T09:30:00.000Z",
  ...over,
});

const values = (node: Record<string, unknown> | undefined, property: string) =>
  ((node?.[property] as { "@value"?: unknown; "@id"?: string }[] | undefined) ?? []).map(
    (v) => v["@value"] ?? v["@id"],
  );

describe("DCAT-AP 3.0.0 export", () => {
  it("expands in safe mode against the SEMIC context with every mandatory property", async () => {
    const doc = catalogueToDcat([entry("alpha"), entry("beta")], BASE, new Date(0));
    const { nodes, problems } = await validateDcat(doc);
    expect(problems).toEqual([]);
    const byId = new Map(nodes.map((n) => [n["@id"], n]));
    const catalog = byId.get(`${BASE}/v1/catalogue`);
    expect(catalog?.["@type"]).toEqual([`${DCAT}Catalog`]);
    expect(values(catalog, `${DCAT}dataset`)).toEqual([
      `${BASE}/v1/catalogue/alpha/persons`,
      `${BASE}/v1/catalogue/beta/persons`,
    ]);
    const beta = byId.get(`${BASE}/v1/catalogue/beta/persons`);
    expect(beta?.["@type"]).toEqual([`${DCAT}Dataset`]);
    expect(values(beta, `${DCT}title`)).toEqual(["Persons register of beta"]);
    expect(values(beta, `${DCT}identifier`)).toEqual(["beta/persons"]);
    expect(values(beta, `${DCAT}keyword`).sort()).toEqual(["age", "postcode", "state"]);
    expect(values(beta, `${DCT}accrualPeriodicity`)).toEqual([
      "http://publications.europa.eu/resource/authority/frequency/MONTHLY",
    ]);
    expect(values(beta, `${DCT}accessRights`)).toEqual([
      "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC",
    ]);
    expect(values(beta, "http://rdfs.org/ns/void#entities")).toEqual(["5000"]);
    const publisher = byId.get(values(beta, `${DCT}publisher`)[0] as string);
    expect(publisher?.["@type"]).toEqual([`${FOAF}Agent`]);
    expect(values(publisher, `${FOAF}name`)).toEqual(["beta"]);
    const period = byId.get(values(beta, `${DCT}temporal`)[0] as string);
    expect(values(period, `${DCAT}startDate`)).toEqual(["2020-01-01"]);
    expect(values(period, `${DCAT}endDate`)).toEqual(["2024-12-31"]);
    const distribution = byId.get(values(beta, `${DCAT}distribution`)[0] as string);
    expect(distribution?.["@type"]).toEqual([`${DCAT}Distribution`]);
    expect(values(distribution, `${DCAT}accessURL`)).toEqual([`${BASE}/v1/catalogue/beta/persons`]);
    const schema = byId.get(values(distribution, `${DCT}conformsTo`)[0] as string);
    const columns = values(schema, "http://www.w3.org/ns/csvw#column").map((id) =>
      byId.get(id as string),
    );
    expect(columns.map((c) => values(c, "http://www.w3.org/ns/csvw#name")[0])).toEqual([
      "state",
      "postcode",
      "age",
    ]);
    const legal = byId.get(
      values(beta, "http://data.europa.eu/r5r/applicableLegislation")[0] as string,
    );
    expect(values(legal, "http://www.w3.org/2000/01/rdf-schema#label")).toEqual([
      "GDPR art. 6(1)(e)",
    ]);
  });

  it("names a dataset without a title, and refuses a term the context does not define", async () => {
    const doc = catalogueToDcat([entry("alpha")], BASE) as unknown as {
      dataset: Record<string, unknown>[];
    };
    delete doc.dataset[0]?.title;
    expect((await validateDcat(doc)).problems).toEqual([
      `${BASE}/v1/catalogue/alpha/persons: lacks ${DCT}title`,
    ]);
    (doc.dataset[0] as Record<string, unknown>).notADcatTerm = "x";
    await expect(validateDcat(doc)).rejects.toThrow();
  });
});
