/**
 * Dataset contracts: what an agency declares about a dataset before uploading it.
 * Only the declared content variables travel on; quasi-identifiers are named so
 * they are never forwarded raw, and the identifier field is sealed.
 */
import { schemeNames } from "@kruispunt/identifiers";
import { z } from "zod";

const fieldName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "a field name: letters, digits, _");

export const variableSchema = z.object({
  name: fieldName,
  type: z.enum(["string", "integer", "date", "category"]),
  description: z.string().max(500).default(""),
  unit: z.string().max(50).optional(),
  allowedValues: z.array(z.string()).optional(),
});

/** Body of PUT /v1/datasets/:dataset. */
export const contractSchema = z.object({
  identifier: z.object({ field: fieldName, scheme: z.enum(schemeNames as [string, ...string[]]) }),
  sourceRecordId: fieldName,
  versionField: fieldName.optional(),
  quasiIdentifiers: z.array(fieldName).default([]),
  variables: z.array(variableSchema).max(200),
  /**
   * "keyed" (default): the identifier is sealed to the pseudonymiser, which keys it.
   * "blind": the agency encrypts it to the linker; the pseudonymiser only reshuffles.
   */
  mode: z.enum(["keyed", "blind"]).default("keyed"),
});
export type DatasetContract = z.infer<typeof contractSchema>;
export type Variable = z.infer<typeof variableSchema>;

/** Dataset names as they appear in paths and topics. */
export const datasetName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, "a dataset name: lowercase letters, digits, _ and -");

/** Why a variable value is refused, or null if it conforms to the contract. */
export function checkVariable(variable: Variable, value: string): string | null {
  if (value === "") return null; // missing values are allowed and travel as ""
  switch (variable.type) {
    case "integer":
      return /^-?\d{1,15}$/.test(value) ? null : "KRP_ERR_NOT_AN_INTEGER";
    case "date":
      return /^\d{8}$/.test(value) ? null : "KRP_ERR_NOT_A_DATE";
    case "category":
      return !variable.allowedValues || variable.allowedValues.includes(value)
        ? null
        : "KRP_ERR_VALUE_NOT_ALLOWED";
    default:
      return value.length <= 1000 ? null : "KRP_ERR_VALUE_TOO_LONG";
  }
}
