/**
 * Lookup of identifier schemes by name.
 */
import { beInsz } from "./be-insz";
import { UnknownSchemeError } from "./errors";
import { febrlSsn } from "./febrl-ssn";
import { generic } from "./generic";
import type { IdentifierScheme } from "./scheme";

// A Map rather than an object literal so names like "__proto__" or "toString" cannot
// resolve to something that is not a scheme.
const schemes: ReadonlyMap<string, IdentifierScheme> = new Map(
  [beInsz, febrlSsn, generic].map((s) => [s.name, s]),
);

/** Names of all registered schemes, in registration order. */
export const schemeNames: readonly string[] = Object.freeze([...schemes.keys()]);

/**
 * Returns the scheme registered under `name` (exact, case-sensitive match).
 *
 * @throws UnknownSchemeError (code `KRP_ERR_UNKNOWN_SCHEME`) if there is none.
 */
export function getScheme(name: string): IdentifierScheme {
  const scheme = schemes.get(name);
  if (!scheme) throw new UnknownSchemeError(name, schemeNames);
  return scheme;
}
