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
