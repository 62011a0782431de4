/**
 * The example dataset contract that the README points agencies to is the contract the
 * demo registers in keyed mode: quasi-identifiers (date_of_birth among them, sealed,
 * never content) and identifier.whenUnusable included; the example project asks only
 * for variables that contract (registered by alpha and beta, as in the demo) holds.
 */
import { readFileSync } from "node:fs";
import { contractSchema } from "@kruispunt/contracts";
import { describe, expect, it } from "vitest";
import { febrlContract } from "./demo/main-job";

const project = JSON.parse(
  readFileSync(new URL("../examples/project.json", import.meta.url), "utf8"),
) as { variables: { dataset: string; name: string }[] };

const example = JSON.parse(
  readFileSync(new URL("../examples/contract.json", import.meta.url), "utf8"),
) as unknown;

describe("examples/contract.json", () => {
  it("is a valid contract equal to the demo's keyed one", () => {
    const parsed = contractSchema.parse(example);
    expect(parsed).toEqual(contractSchema.parse(febrlContract("keyed")));
    expect(parsed.quasiIdentifiers).toContain("date_of_birth");
    expect(parsed.variables.map((v) => v.name)).not.toContain("date_of_birth");
    expect(parsed.identifier.whenUnusable).toBe("link_probabilistically");
  });

  it("registers in blind mode without the option (refused there)", () => {
    expect(contractSchema.parse(febrlContract("blind")).identifier.whenUnusable).toBe("refuse");
  });
});

describe("examples/project.json", () => {
  it("asks only for variables of the example contract, never a quasi-identifier", () => {
    const contract = contractSchema.parse(example);
    const names = contract.variables.map((v) => v.name);
    for (const v of project.variables) {
      expect(["alpha/persons", "beta/persons"]).toContain(v.dataset);
      expect(names).toContain(v.name);
    }
  });
});
