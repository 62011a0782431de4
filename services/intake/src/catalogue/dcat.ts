/**
 * The catalogue as DCAT-AP 3.0.0 JSON-LD (the EU application profile of W3C DCAT 3
 * for data portals), so that a national portal can harvest it. Terms come from the
 * SEMIC context (`DCAT_AP_CONTEXT`), which scopes them by type: every node carries
 * its `@type` (Catalogue, Dataset, Distribution, Agent, PeriodOfTime). What that
 * context lacks is named by full IRI in a second, local context:
 * dcatap:applicableLegislation (the legal basis, an eli:LegalResource with a label)
 * and the CSV on the Web vocabulary for the variables (a csvw:TableSchema the
 * distribution conforms to: name, datatype, description, unit, allowed values).
 * Controlled vocabularies: EU frequency, access-right, language and file-type tables.
 */
import type { CatalogueEntry } from "./entries";
import { FREQUENCIES } from "./metadata";

export const DCAT_AP_CONTEXT =
  "https://semiceu.github.io/DCAT-AP/releases/3.0.0/context/dcat-ap.jsonld";

const EU = "http://publications.europa.eu/resource/authority";
const XSD = "http://www.w3.org/2001/XMLSchema#";
const LANGUAGES: Record<string, string> = { en: "ENG", nl: "NLD", fr: "FRA", de: "DEU" };
const DATATYPES: Record<string, string> = {
  string: `${XSD}string`,
  integer: `${XSD}integer`,
  // Contract dates are YYYYMMDD strings (packages/contracts checkVariable).
  date: `${XSD}string`,
  category: `${XSD}string`,
  decimal: `${XSD}decimal`,
};

const localContext = {
  csvw: "http://www.w3.org/ns/csvw#",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  applicableLegislation: {
    "@id": "http://data.europa.eu/r5r/applicableLegislation",
    "@type": "@id",
  },
  recordCount: { "@id": "http://rdfs.org/ns/void#entities", "@type": `${XSD}nonNegativeInteger` },
};

/**
 * Builds the JSON-LD document for `entries`; `baseUrl` (intake's public URL, no
 * trailing slash) roots every node's IRI. Shape: one dcat:Catalog with a dcat:dataset
 * per entry, each with dct:publisher (foaf:Agent, the owning agency) and one
 * dcat:distribution (the pseudonymised extract, on approval only: NON_PUBLIC).
 */
export function catalogueToDcat(entries: CatalogueEntry[], baseUrl: string, now = new Date()) {
  const lit = (value: string, language: string) => ({ "@value": value, "@language": language });
  const dateTime = (iso: string) => ({ "@value": iso, "@type": `${XSD}dateTime` });
  return {
    "@context": [DCAT_AP_CONTEXT, localContext],
    "@id": `${baseUrl}/v1/catalogue`,
    "@type": "Catalogue",
    title: [lit("Kruispunt dataset catalogue", "en")],
    description: [
      lit(
        "Datasets that agencies stream to the Kruispunt trusted third party; approved research projects receive them linked and pseudonymised, never record by record from this catalogue.",
        "en",
      ),
    ],
    publisher: { "@id": `${baseUrl}/#kruispunt`, "@type": "Agent", name: ["Kruispunt"] },
    modificationDate: dateTime(now.toISOString()),
    language: [`${EU}/language/ENG`],
    dataset: entries.map((e) => {
      const language = e.languages[0] ?? "en";
      const id = `${baseUrl}/v1/catalogue/${e.agency}/${e.dataset}`;
      return {
        "@id": id,
        "@type": "Dataset",
        identifier: [e.ref],
        title: [lit(e.title, language)],
        description: [lit(e.description || e.title, language)],
        publisher: {
          "@id": `${baseUrl}/v1/agencies/${e.agency}`,
          "@type": "Agent",
          name: [e.publisher],
        },
        keyword: e.variables.map((v) => v.name),
        language: e.languages.map((l) => `${EU}/language/${LANGUAGES[l] ?? "MUL"}`),
        frequency: `${EU}/frequency/${FREQUENCIES[e.updateFrequency]}`,
        accessRights: `${EU}/access-right/NON_PUBLIC`,
        ...(e.coverage
          ? {
              temporalCoverage: [
                {
                  "@type": "PeriodOfTime",
                  startDate: { "@value": e.coverage.from, "@type": `${XSD}date` },
                  ...(e.coverage.to
                    ? { endDate: { "@value": e.coverage.to, "@type": `${XSD}date` } }
                    : {}),
                },
              ],
            }
          : {}),
        ...(e.lastUpdate ? { modificationDate: dateTime(e.lastUpdate) } : {}),
        releaseDate: dateTime(e.publishedAt),
        ...(e.legalBasis
          ? {
              applicableLegislation: {
                "@id": `${id}#legal-basis`,
                "@type": "http://data.europa.eu/eli/ontology#LegalResource",
                "rdfs:label": e.legalBasis,
              },
            }
          : {}),
        ...(e.recordCount !== null ? { recordCount: String(e.recordCount) } : {}),
        datasetDistribution: [
          {
            "@id": `${id}#extract`,
            "@type": "Distribution",
            title: [lit("Linked, pseudonymised extract for an approved project", "en")],
            description: [
              lit(
                "A CSV file with a codebook, released under k-anonymity to the researcher of an approved project; request it with a project that names these variables.",
                "en",
              ),
            ],
            accessUrl: [id],
            mediaType: "http://www.iana.org/assignments/media-types/text/csv",
            format: `${EU}/file-type/CSV`,
            linkedSchemas: [
              {
                "@id": `${id}#schema`,
                "@type": ["Standard", "csvw:TableSchema"],
                "csvw:column": e.variables.map((v) => ({
                  "@id": `${id}#variable-${v.name}`,
                  "@type": "csvw:Column",
                  "csvw:name": v.name,
                  "csvw:datatype": { "@id": DATATYPES[v.type] ?? `${XSD}string` },
                  "rdfs:comment": v.description,
                  ...(v.unit ? { "http://qudt.org/schema/qudt/unitText": v.unit } : {}),
                  ...(v.allowedValues
                    ? { "http://www.w3.org/2004/02/skos/core#notation": v.allowedValues }
                    : {}),
                })),
              },
            ],
          },
        ],
      };
    }),
  };
}
