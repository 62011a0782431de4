import { describe, expect, it } from "vitest";
import { UnknownSchemeError } from "./errors";
import { getScheme, schemeNames } from "./registry";

describe("scheme registry", () => {
  it("lists the registered schemes", () => {
    expect(schemeNames).toEqual(["be-insz", "febrl-ssn", "generic"]);
    expect(Object.isFrozen(schemeNames)).toBe(true);
  });

  it("returns each scheme under its own name", () => {
    for (const name of schemeNames) expect(getScheme(name).name).toBe(name);
  });

  // Scheme names are the domain-separation label of linkage pseudonyms; the record
  // pseudonym (packages/crypto record-pseudonym.ts) uses "kruispunt/record-pseudonym/v1",
  // which no scheme name can equal.
  it("names every scheme in lowercase letters, digits and dashes (never a '/' label)", () => {
    for (const name of schemeNames) expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it.each(["unknown", "BE-INSZ", "", "__proto__", "toString"])(
    "throws UnknownSchemeError for %j",
    (name) => {
      expect(() => getScheme(name)).toThrow(UnknownSchemeError);
      try {
        getScheme(name);
      } catch (err) {
        expect((err as UnknownSchemeError).code).toBe("KRP_ERR_UNKNOWN_SCHEME");
      }
    },
  );
});
