/**
 * The per-record rules of a dataset contract, in one function shared by every way
 * records arrive (CSV or NDJSON upload, `agency publish`, Kafka intake): a record's
 * fields in, either the values to send on or a refusal naming the field and the
 * reason code. It never returns or reports an identifier's value.
 */
import {
  type CompiledVariable,
  checkValue,
  compileVariables,
  contractFields,
  type DatasetContract,
  presentValue,
} from "@kruispunt/contracts";
import { getScheme, IdentifierRefusalCode, refusalDescriptions } from "@kruispunt/identifiers";

/** One bad field of a refused record: its name, reason code and fixed message (never the value). */
export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

/**
 * Why one record was refused. Never carries a field's value. `field`, `code` and
 * `message` are the first bad field (in rule order, see createRecordValidator);
 * `problems` is there only when more than one field is bad, and lists every one of
 * them, the first being `field`/`code`/`message` again.
 */
export interface Refusal {
  /** 1-based line of the record in the file (CSV: the header is line 1; where the record starts). */
  line: number;
  /** The source record id, when the record had one. */
  sourceRecordId: string | null;
  /** The field concerned ("" when the record as a whole is unreadable). */
  field: string;
  code: string;
  message: string;
  /** Every bad field of the record, when there is more than one. */
  problems?: FieldProblem[];
}

/**
 * Why an accepted record travels without an identifier (contract
 * `identifier.whenUnusable: "link_probabilistically"`): the identifier field, the
 * scheme's refusal code (KRP_ID_EMPTY for a missing one) and a fixed message. Never
 * carries the value.
 */
export interface IdentifierNote {
  field: string;
  code: string;
  message: string;
}

/** A record that conforms to the contract, ready to be sealed and sent. */
export interface ValidRecord {
  sourceRecordId: string;
  version: number;
  /**
   * The identifier in its scheme's canonical form; must be sealed or encrypted, never
   * sent raw. "" when `identifierNote` is set (and with `identifier: "sealed"`).
   */
  canonical: string;
  /** Set when the identifier was missing or invalid and the contract accepts such records. */
  identifierNote: IdentifierNote | null;
  scheme: string;
  /** Declared content variables only; a missing value is "". */
  variables: Record<string, string>;
  /**
   * The contract's quasi-identifiers that have a value (trimmed; missing ones left out).
   * Like `canonical`, they must be sealed to the pseudonymiser, never sent raw.
   */
  quasiIdentifiers: Record<string, string>;
}

/** A record's raw fields: CSV cells or NDJSON members (not yet trimmed). */
export type RawFields = Record<string, string | undefined>;

export type RecordValidator = (
  fields: RawFields,
  line: number,
) => { ok: true; record: ValidRecord } | { ok: false; refusal: Refusal };

/**
 * Most characters of a source record id, wherever one comes in (an upload's field, the
 * withdrawal path of services/intake): it is stored and keyed on in every service.
 */
export const MAX_SOURCE_RECORD_ID = 128;

/** Refusal messages by code, fixed so that they can never echo a value. */
const MESSAGES: Record<string, string> = {
  KRP_ERR_MISSING_RECORD_ID: `the source record id is missing or longer than ${MAX_SOURCE_RECORD_ID} characters`,
  KRP_ERR_BAD_VERSION: "the version must be a non-negative integer of at most 15 digits",
  KRP_ERR_NOT_UTF8: "the field is not valid UTF-8 (e.g. Latin-1 bytes)",
  KRP_ERR_NUL_CHARACTER: "the field holds a NUL character (U+0000), which no text column can store",
  KRP_ERR_UNKNOWN_FIELD: "the contract does not declare this field and refuses unknown fields",
  KRP_ERR_NOT_AN_INTEGER: "the value is not an integer",
  KRP_ERR_NOT_A_DECIMAL: "the value is not a decimal number",
  KRP_ERR_NOT_A_DATE: "the value is not a calendar date (YYYY-MM-DD or YYYYMMDD)",
  KRP_ERR_VALUE_NOT_ALLOWED: "the value is not one of the contract's allowed values",
  KRP_ERR_VALUE_TOO_LONG: "the value is longer than 1000 characters",
};

/** The fixed message for a record refusal code (identifier codes carry their own). */
export function refusalMessage(code: string): string {
  return MESSAGES[code] ?? "the value does not conform to the contract";
}

/** Appended to the scheme's message in an identifier note or refusal (fixed, never a value). */
const LINKED_WITHOUT =
  "Accepted without it: the record is linked only probabilistically, on its quasi-identifiers.";
const NOTHING_TO_LINK_ON =
  "The record has no quasi-identifier value either, so it could never be linked.";

/**
 * The note on a record accepted without its identifier: `field` (the contract's
 * identifier field), `code` (the scheme's KRP_ID_* refusal code) and the code's fixed
 * description followed by what happens instead. Null for a string that is not a
 * KRP_ID_* code (Kafka intake checks a producer's reason with it).
 */
export function identifierNote(field: string, code: string): IdentifierNote | null {
  if (!Object.hasOwn(IdentifierRefusalCode, code)) return null;
  const description = refusalDescriptions[code as IdentifierRefusalCode];
  return { field, code, message: `${description} ${LINKED_WITHOUT}` };
}

const REPLACEMENT = "\uFFFD";
/** Longest quasi-identifier value taken (as for string variables). */
const MAX_QUASI_IDENTIFIER = 1000;

/**
 * Compiles `contract` into a validator. Rules, in order: every field valid UTF-8 (a
 * decoder's U+FFFD means it was not) and, with `extraColumns: "refuse"`, declared; a
 * source record id (≤ 128 characters); the version (if the contract has a version
 * field); the identifier by its scheme (missing → KRP_ID_EMPTY, never hashed); each
 * variable by its zod validator; each quasi-identifier's length. Every rule is checked,
 * each field judged once (by the first rule it fails): a refused record names its
 * first bad field in `field`/`code`/`message` and, if it has more, all of them in
 * `problems`. Blank, whitespace-only, `N/A` and `null` are missing values
 * (record-schema.ts).
 *
 * With `identifier.whenUnusable: "link_probabilistically"` a missing or invalid
 * identifier does not refuse the record: it is accepted with `identifierNote` (the
 * scheme's code) and `canonical` "", provided it has a quasi-identifier value to be
 * linked on; without one it is refused with the scheme's code as before.
 *
 * `options.identifier: "sealed"` skips the identifier rule (and `canonical` is ""): for
 * Kafka intake, where the identifier arrives sealed to the pseudonymiser and only the
 * agency (before sealing, with this same validator) and the pseudonymiser (after
 * opening) can check it.
 */
export function createRecordValidator(
  contract: DatasetContract,
  options: { identifier?: "raw" | "sealed" } = {},
): RecordValidator {
  const sealed = options.identifier === "sealed";
  const scheme = getScheme(contract.identifier.scheme);
  const variables: CompiledVariable[] = compileVariables(contract);
  const declared = contractFields(contract);
  const refuseUnknown = contract.extraColumns === "refuse";
  const linkWithout = contract.identifier.whenUnusable === "link_probabilistically";

  return (fields, line) => {
    const rawId = presentValue(fields[contract.sourceRecordId]);
    const sourceRecordId =
      rawId !== "" &&
      rawId.length <= MAX_SOURCE_RECORD_ID &&
      !rawId.includes(REPLACEMENT) &&
      !rawId.includes("\u0000")
        ? rawId
        : null;
    const problems: FieldProblem[] = [];
    const judged = new Set<string>();
    const bad = (field: string, code: string, message = refusalMessage(code)) => {
      if (judged.has(field)) return;
      judged.add(field);
      problems.push({ field, code, message });
    };
    for (const name in fields) {
      const value = fields[name];
      if (value === undefined) continue;
      if (value.includes(REPLACEMENT)) bad(name, "KRP_ERR_NOT_UTF8");
      // PostgreSQL text cannot hold U+0000: accepted, such a record would fail later in
      // every service that stores it (the linker dead-lettered it), so refuse it here.
      // The identifier is judged by its scheme (KRP_ID_NUL_BYTE) and never stored.
      else if (value.includes("\u0000") && name !== contract.identifier.field)
        bad(name, "KRP_ERR_NUL_CHARACTER");
      else if (refuseUnknown && !declared.has(name) && presentValue(value) !== "")
        bad(name, "KRP_ERR_UNKNOWN_FIELD");
    }
    if (sourceRecordId === null) bad(contract.sourceRecordId, "KRP_ERR_MISSING_RECORD_ID");
    let version = 1;
    if (contract.versionField) {
      const raw = presentValue(fields[contract.versionField]);
      if (/^\d{1,15}$/.test(raw)) version = Number(raw);
      else bad(contract.versionField, "KRP_ERR_BAD_VERSION");
    }
    const validation = sealed
      ? ({ ok: true, canonical: "" } as const)
      : scheme.validate(presentValue(fields[contract.identifier.field]));
    const unusable = validation.ok
      ? null
      : {
          field: contract.identifier.field,
          code: validation.refusal.code,
          message: validation.refusal.message,
        };
    if (unusable && !linkWithout) bad(unusable.field, unusable.code, unusable.message);
    const values: Record<string, string> = {};
    for (const variable of variables) {
      const value = presentValue(fields[variable.name]);
      const code = checkValue(variable, value);
      if (code) bad(variable.name, code);
      else values[variable.name] = value;
    }
    const quasiIdentifiers: Record<string, string> = {};
    for (const name of contract.quasiIdentifiers) {
      const value = presentValue(fields[name]);
      if (value.length > MAX_QUASI_IDENTIFIER) bad(name, "KRP_ERR_VALUE_TOO_LONG");
      else if (value !== "") quasiIdentifiers[name] = value;
    }
    if (unusable && linkWithout && Object.keys(quasiIdentifiers).length === 0)
      bad(unusable.field, unusable.code, `${unusable.message} ${NOTHING_TO_LINK_ON}`);
    const [first] = problems;
    if (first || sourceRecordId === null)
      return {
        ok: false,
        refusal: {
          line,
          sourceRecordId,
          ...(first as FieldProblem),
          ...(problems.length > 1 ? { problems } : {}),
        },
      };
    return {
      ok: true,
      record: {
        sourceRecordId,
        version,
        canonical: validation.ok ? validation.canonical : "",
        identifierNote: unusable && identifierNote(unusable.field, unusable.code),
        scheme: scheme.name,
        variables: values,
        quasiIdentifiers,
      },
    };
  };
}
