import { describe, expect, it } from "vitest";
import { contractSchema } from "./dataset-contract";

const base = {
  identifier: { field: "ssn", scheme: "febrl-ssn" },
  sourceRecordId: "id",
  quasiIdentifiers: ["name"],
  variables: [{ name: "state", type: "string" }],
};

/** The refused contract's issues as [path, message]. */
function issues(contract: unknown): [string, string][] {
  const result = contractSchema.safeParse(contract);
  if (result.success) return [];
  return result.error.issues.map((i) => [i.path.join("."), i.message]);
}

describe("dataset contracts that would let a value travel where it must not", () => {
  it("accepts a contract that keeps the identifier to itself", () => {
    expect(issues(base)).toEqual([]);
  });

  it("refuses the identifier field named again as record id, version, quasi-identifier or variable", () => {
    expect(issues({ ...base, sourceRecordId: "ssn" })).toEqual([
      [
        "identifier.field",
        "the identifier field may not also be the source record id: it would travel unsealed",
      ],
    ]);
    expect(
      issues({
        ...base,
        versionField: "ssn",
        quasiIdentifiers: ["name", "ssn"],
        variables: [{ name: "ssn", type: "string" }],
      }),
    ).toEqual([
      [
        "identifier.field",
        "the identifier field may not also be the version field or a quasi-identifier or a content variable: it would travel unsealed",
      ],
    ]);
  });

  it("refuses a variable declared twice and a category without allowed values", () => {
    expect(
      issues({
        ...base,
        variables: [
          { name: "state", type: "string" },
          { name: "state", type: "integer" },
          { name: "sex", type: "category" },
        ],
      }),
    ).toEqual([
      ["variables.1.name", 'variable "state" is declared twice'],
      ["variables.2.allowedValues", "a category variable needs its allowedValues"],
    ]);
  });
});
