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

/**
 * What becomes of a record whose identifier is missing (blank, whitespace, `N/A`,
 * `null`) or refused by its scheme (bad length, check digits, …): "refuse" (default)
 * refuses the record with the scheme's KRP_ID_* code; "link_probabilistically" accepts
 * it without any identifier, with a note naming the field and that code, and the
 * pseudonymiser gives it a record pseudonym (packages/crypto record-pseudonym.ts) that
 * never equals a person's, so only probabilistic linkage on its quasi-identifiers can
 * link it. Only for a keyed-mode contract with quasi-identifiers.
 */
export const whenUnusableSchema = z.enum(["refuse", "link_probabilistically"]);

/** Body of PUT /v1/datasets/:dataset. */
export const contractSchema = z
  .object({
    identifier: z.object({
      field: fieldName,
      scheme: z.enum(schemeNames as [string, ...string[]]),
      whenUnusable: whenUnusableSchema.default("refuse"),
    }),
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
  })
  .superRefine((contract, ctx) => {
    // The identifier is sealed and never travels raw: a contract that also names its
    // field as the record id, version, a quasi-identifier or a content variable would
    // store and forward it in clear (the record id and content reach linker and
    // release tables).
    const id = contract.identifier.field;
    const alsoAs = [
      contract.sourceRecordId === id ? "the source record id" : null,
      contract.versionField === id ? "the version field" : null,
      contract.quasiIdentifiers.includes(id) ? "a quasi-identifier" : null,
      contract.variables.some((v) => v.name === id) ? "a content variable" : null,
    ].filter((why) => why !== null);
    if (alsoAs.length > 0)
      ctx.addIssue({
        code: "custom",
        path: ["identifier", "field"],
        message: `the identifier field may not also be ${alsoAs.join(" or ")}: it would travel unsealed`,
      });
    const names = contract.variables.map((v) => v.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i)
        ctx.addIssue({
          code: "custom",
          path: ["variables", i, "name"],
          message: `variable "${name}" is declared twice`,
        });
    });
    contract.variables.forEach((v, i) => {
      if (v.type === "category" && (v.allowedValues ?? []).length === 0)
        ctx.addIssue({
          code: "custom",
          path: ["variables", i, "allowedValues"],
          message: "a category variable needs its allowedValues",
        });
    });
    if (contract.identifier.whenUnusable !== "link_probabilistically") return;
    // Without quasi-identifiers there is nothing to link such a record on; blind mode
    // sends none (its pseudonymiser holds no key to encode them with).
    const why =
      contract.quasiIdentifiers.length === 0
        ? "needs at least one quasi-identifier to link on"
        : contract.mode === "blind"
          ? "is not available in blind mode, which sends no quasi-identifiers"
          : null;
    if (why)
      ctx.addIssue({
        code: "custom",
        path: ["identifier", "whenUnusable"],
        message: `"link_probabilistically" ${why}`,
      });
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
