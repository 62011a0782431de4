import { cryptoReady, generateMemberKeyPair } from "@kruispunt/crypto";
import { describe, expect, it } from "vitest";
import { catalogueProblems } from "./catalogue-check";
import { projectSpecSchema } from "./project";

// Members' public keys are checked with libsodium (issue 6).
await cryptoReady();

const spec = projectSpecSchema.parse({
  title: "Test project",
  purpose: "test",
  legalBasis: "test basis",
  variables: [
    { dataset: "alpha/persons", name: "state", as: "state", hierarchy: "categorical" },
    { dataset: "alpha/persons", name: "income", as: "income", hierarchy: "categorical" },
    { dataset: "gamma/jobs", name: "sector", as: "sector", hierarchy: "categorical" },
  ],
  cohort: { allOf: ["alpha/persons", "gamma/jobs"] },
  quasiIdentifiers: ["state"],
  expiresAt: "2099-01-01T00:00:00Z",
  members: [{ name: "rita", publicKey: generateMemberKeyPair().publicKey }],
});

describe("a project request picks variables from the catalogue", () => {
  it("names each variable and cohort dataset the catalogue lacks", () => {
    const catalogue = { entries: [{ ref: "alpha/persons", variables: [{ name: "state" }] }] };
    expect(catalogueProblems(spec, catalogue)).toEqual([
      "variables.1: the catalogue has no variable alpha/persons/income",
      "variables.2: the catalogue has no dataset gamma/jobs",
      "cohort.allOf.1: the catalogue has no dataset gamma/jobs",
    ]);
  });

  it("accepts a request whose every variable is catalogued", () => {
    const catalogue = {
      entries: [
        { ref: "alpha/persons", variables: [{ name: "state" }, { name: "income" }] },
        { ref: "gamma/jobs", variables: [{ name: "sector" }] },
      ],
    };
    expect(catalogueProblems(spec, catalogue)).toEqual([]);
  });
});
