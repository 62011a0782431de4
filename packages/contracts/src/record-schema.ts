/**
 * A dataset contract's content variables compiled to zod validators, one per
 * variable, whose error message is the reason code a refused record carries
 * (KRP_ERR_NOT_AN_INTEGER, KRP_ERR_NOT_A_DATE, …). Also the one rule for missing
 * values: blank, whitespace only, `N/A` and `null` (any case) mean "no value" and
 * travel as "" — never as the literal.
 */
import { z } from "zod";
import type { DatasetContract, Variable } from "./dataset-contract";

const MISSING = new Set(["", "n/a", "null"]);

/**
 * The value with surrounding whitespace removed, or "" when it denotes a missing
 * value (blank, only whitespace, `N/A`, `null`, case-insensitive).
 */
export function presentValue(raw: string | undefined): string {
  if (raw === undefined) return "";
  const value = raw.trim();
  return value.length <= 4 && MISSING.has(value.toLowerCase()) ? "" : value;
}

/** True for a real proleptic-Gregorian date `YYYY-MM-DD` or `YYYYMMDD` (e.g. not 1980-02-31). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value);
  if (!m || (value.length === 10) !== value.includes("-")) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function variableValidator(variable: Variable): z.ZodType<string> {
  const s = z.string();
  switch (variable.type) {
    case "integer":
      return s.regex(/^-?\d{1,15}$/, "KRP_ERR_NOT_AN_INTEGER");
    case "decimal":
      return s.regex(/^-?\d{1,15}(\.\d{1,15})?$/, "KRP_ERR_NOT_A_DECIMAL");
    case "date":
      return s.refine(isCalendarDate, "KRP_ERR_NOT_A_DATE");
    case "category": {
      const allowed = new Set(variable.allowedValues ?? []);
      return variable.allowedValues
        ? s.refine((v) => allowed.has(v), "KRP_ERR_VALUE_NOT_ALLOWED")
        : s.max(1000, "KRP_ERR_VALUE_TOO_LONG");
    }
    default:
      return s.max(1000, "KRP_ERR_VALUE_TOO_LONG");
  }
}

/** One compiled variable: its name, and its validator (applied to present values only). */
export interface CompiledVariable {
  name: string;
  type: Variable["type"];
  schema: z.ZodType<string>;
}

/** Compiles the contract's variables to zod validators, in contract order. */
export function compileVariables(contract: DatasetContract): CompiledVariable[] {
  return contract.variables.map((v) => ({
    name: v.name,
    type: v.type,
    schema: variableValidator(v),
  }));
}

/**
 * Why a present (non-missing) value is refused, as a reason code, or null if the
 * variable's validator accepts it.
 */
export function checkValue(variable: CompiledVariable, value: string): string | null {
  if (value === "") return null;
  const result = variable.schema.safeParse(value);
  return result.success ? null : (result.error.issues[0]?.message ?? "KRP_ERR_INVALID_VALUE");
}
