/**
 * @kruispunt/identifiers: pluggable identifier schemes that turn a raw identifier from
 * an upload into its canonical form, or refuse it with a code that never quotes it.
 */
export {
  IdentifierErrorCode,
  IdentifierRefusalCode,
  identifierErrorDescriptions,
  refusalDescriptions,
  UnknownSchemeError,
} from "./errors";
export { MAX_RAW_LENGTH } from "./guards";
export { inszCheckDigits } from "./insz-check";
export { generateInsz } from "./insz-generate";
export { getScheme, schemeNames } from "./registry";
export type { IdentifierScheme, Refusal, Validation } from "./scheme";
