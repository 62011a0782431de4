/**
 * Dataset contracts: what an agency declares about a dataset before uploading it.
 * Only the declared content variables travel on; quasi-identifiers are named so
 * they are never forwarded raw, and the identifier field is sealed. Contracts are
 * stored as JSON in PostgreSQL (intake.datasets) and compiled to zod validators by
 * `compileVariables` (record-schema.ts).
 */
import { schemeNames } from "@kruispunt/identifiers";
import { z } from "zod";

const fieldName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "a field name: letters, digits, _");

/**
 * A content variable: `type` string (≤ 1000 characters), integer (≤ 15 digits),
 * decimal (`-12.5`), date (a real calendar date, `YYYY-MM-DD` or `YYYYMMDD`) or
 * category (one of `allowedValues`); `unit` (e.g. "EUR", "kg") is documentation.
 */
export const variableSchema = z.object({
  name: fieldName,
  type: z.enum(["string", "integer", "decimal", "date", "category"]),
  description: z.string().max(500).default(""),
  unit: z.string().max(50).optional(),
  allowedValues: z.array(z.string().max(200)).max(1000).optional(),
});

/** Body of PUT /v1/datasets/:dataset. */
export const contractSchema = z.object({
  identifier: z.object({ field: fieldName, scheme: z.enum(schemeNames as [string, ...string[]]) }),
  sourceRecordId: fieldName,
  /** Column holding the record's version (a non-negative integer); absent: every record is version 1. */
  versionField: fieldName.optional(),
  quasiIdentifiers: z.array(fieldName).default([]),
  variables: z.array(variableSchema).max(200),
  /**
   * "keyed" (default): the identifier is sealed to the pseudonymiser, which keys it.
   * "blind": the agency encrypts it to the linker; the pseudonymiser only reshuffles.
   */
  mode: z.enum(["keyed", "blind"]).default("keyed"),
  /**
   * Fields the contract does not name: "ignore" (default) drops them unread;
   * "refuse" refuses a record that has a value in one (code KRP_ERR_UNKNOWN_FIELD).
   */
  extraColumns: z.enum(["ignore", "refuse"]).default("ignore"),
});
export type DatasetContract = z.infer<typeof contractSchema>;
export type Variable = z.infer<typeof variableSchema>;

/** Dataset names as they appear in paths and topics. */
export const datasetName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, "a dataset name: lowercase letters, digits, _ and -");

/** Every field a contract names (identifier, record id, version, quasi-identifiers, variables). */
export function contractFields(contract: DatasetContract): Set<string> {
  const fields = [
    contract.identifier.field,
    contract.sourceRecordId,
    ...contract.quasiIdentifiers,
    ...contract.variables.map((v) => v.name),
  ];
  if (contract.versionField) fields.push(contract.versionField);
  return new Set(fields);
}
