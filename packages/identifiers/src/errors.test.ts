import { describe, expect, it } from "vitest";
import {
  IdentifierErrorCode,
  IdentifierRefusalCode,
  identifierErrorDescriptions,
  refusalDescriptions,
  UnknownSchemeError,
} from "./errors";

describe("refusal codes", () => {
  it("map every key to itself, carry the KRP_ID_ prefix and a one-line description", () => {
    const entries = Object.entries(IdentifierRefusalCode);
    expect(entries.length).toBeGreaterThanOrEqual(8);
    for (const [key, value] of entries) {
      expect(value).toBe(key);
      expect(key).toMatch(/^KRP_ID_[A-Z0-9_]+$/);
      const description = refusalDescriptions[value];
      expect(description.trim().length).toBeGreaterThan(0);
      expect(description).not.toContain("\n");
    }
    expect(Object.keys(refusalDescriptions).sort()).toEqual(
      Object.keys(IdentifierRefusalCode).sort(),
    );
  });
});

describe("error codes", () => {
  it("map every key to itself, carry the KRP_ERR_ prefix and a description", () => {
    for (const [key, value] of Object.entries(IdentifierErrorCode)) {
      expect(value).toBe(key);
      expect(key).toMatch(/^KRP_ERR_[A-Z0-9_]+$/);
      expect(identifierErrorDescriptions[value].trim().length).toBeGreaterThan(0);
    }
  });

  it("UnknownSchemeError carries its code", () => {
    const err = new UnknownSchemeError("nope", ["generic"]);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe("KRP_ERR_UNKNOWN_SCHEME");
  });
});
