/**
 * The contract every identifier scheme implements, and the refusal value type.
 */
import { type IdentifierRefusalCode, refusalDescriptions } from "./errors";

/** Why a raw identifier was refused. `message` never contains the identifier itself. */
export interface Refusal {
  code: IdentifierRefusalCode;
  message: string;
}

/** Outcome of {@link IdentifierScheme.validate}: the canonical form, or a refusal. */
export type Validation = { ok: true; canonical: string } | { ok: false; refusal: Refusal };

/**
 * A pluggable identifier scheme (national register number, a data set's local id, …).
 *
 * Laws every scheme obeys (checked by property tests):
 * - `normalise` is idempotent;
 * - `validate(x)` deep-equals `validate(normalise(x))`;
 * - when `validate` accepts, `canonical === normalise(raw)`.
 */
export interface IdentifierScheme {
  /** Registry name, e.g. `"be-insz"`; also the domain-separation label in pseudonyms. */
  readonly name: string;
  /** Strips presentation (separators, spacing, case) without judging validity. */
  normalise(raw: string): string;
  /** Normalises, then accepts with the canonical form or refuses with a code. */
  validate(raw: string): Validation;
}

/**
 * Builds a refusal whose message is the fixed description of `code`.
 *
 * Fixed messages are deliberate: they cannot leak the identifier, and they keep
 * `validate(x)` and `validate(normalise(x))` deep-equal.
 */
export function refuse(code: IdentifierRefusalCode): Validation {
  return { ok: false, refusal: { code, message: refusalDescriptions[code] } };
}

/** Wraps an accepted canonical identifier. */
export function accept(canonical: string): Validation {
  return { ok: true, canonical };
}
