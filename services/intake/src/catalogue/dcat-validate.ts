/**
 * Checks a DCAT-AP JSON-LD document the way a harvesting portal reads it: expands it
 * with the `jsonld` library (JSON-LD 1.1) against the SEMIC DCAT-AP 3.0.0 context
 * (the committed copy in fixtures/, never fetched) in safe mode, which fails on any
 * term or value the context cannot map to an IRI, then lists the DCAT-AP 3.0.0
 * mandatory properties (sh:minCount 1 in the DCAT-AP SHACL shapes) that a node lacks:
 * dcat:Catalog — dct:title, dct:description, dct:publisher, dcat:dataset;
 * dcat:Dataset — dct:title, dct:description; dcat:Distribution — dcat:accessURL;
 * foaf:Agent — foaf:name.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import jsonld from "jsonld";
import { DCAT_AP_CONTEXT } from "./dcat";

const contextFile = fileURLToPath(
  new URL("./fixtures/dcat-ap-3.0.0.context.jsonld", import.meta.url),
);
const DCAT = "http://www.w3.org/ns/dcat#";
const DCT = "http://purl.org/dc/terms/";
const FOAF = "http://xmlns.com/foaf/0.1/";

const MANDATORY: Record<string, string[]> = {
  [`${DCAT}Catalog`]: [`${DCT}title`, `${DCT}description`, `${DCT}publisher`, `${DCAT}dataset`],
  [`${DCAT}Dataset`]: [`${DCT}title`, `${DCT}description`],
  [`${DCAT}Distribution`]: [`${DCAT}accessURL`],
  [`${FOAF}Agent`]: [`${FOAF}name`],
};

/** A node of the flattened graph: `@id`, `@type` and its properties by IRI. */
export type Node = Record<string, unknown> & { "@id": string; "@type"?: string[] };

const loader = async (url: string) => {
  if (url !== DCAT_AP_CONTEXT)
    throw new Error(`refusing to load ${url} (only the DCAT-AP context)`);
  return {
    contextUrl: undefined,
    documentUrl: url,
    document: JSON.parse(readFileSync(contextFile, "utf8")) as object,
  };
};

/**
 * Expands and flattens `doc`; resolves with its nodes and the problems found
 * (`"<node id>: lacks <property IRI>"`). Rejects if safe-mode expansion drops anything.
 */
export async function validateDcat(doc: object): Promise<{ nodes: Node[]; problems: string[] }> {
  const options = { documentLoader: loader, safe: true } as unknown as jsonld.Options.Flatten;
  const flat = (await jsonld.flatten(
    doc as jsonld.JsonLdDocument,
    undefined,
    options,
  )) as unknown as
    | {
        "@graph"?: Node[];
      }
    | Node[];
  const nodes = Array.isArray(flat) ? flat : (flat["@graph"] ?? []);
  const problems: string[] = [];
  for (const node of nodes)
    for (const type of node["@type"] ?? [])
      for (const property of MANDATORY[type] ?? [])
        if (!Array.isArray(node[property]) || (node[property] as unknown[]).length === 0)
          problems.push(`${node["@id"]}: lacks ${property}`);
  if (!nodes.some((n) => n["@type"]?.includes(`${DCAT}Catalog`))) problems.push("no dcat:Catalog");
  return { nodes, problems };
}
