import { describe, expect, it } from "vitest";
import { contractSchema } from "./dataset-contract";
import { checkValue, compileVariables, isCalendarDate, presentValue } from "./record-schema";

describe("missing values", () => {
  it("blank, whitespace only, N/A and null (any case) are missing; anything else is trimmed", () => {
    expect(["", "  ", "\t", "N/A", "n/a", " NULL ", "null", undefined].map(presentValue)).toEqual([
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
    ]);
    expect([" nsw ", "NA", "none", "0", "nullable"].map(presentValue)).toEqual([
      "nsw",
      "NA",
      "none",
      "0",
      "nullable",
    ]);
  });
});

describe("calendar dates", () => {
  it("accepts real dates in YYYY-MM-DD or YYYYMMDD, refuses impossible ones and mixed forms", () => {
    expect(["1980-02-29", "19800229", "2000-02-29", "1999-12-31"].map(isCalendarDate)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(
      [
        "1980-02-31",
        "19800231",
        "1900-02-29",
        "1980-13-01",
        "1980-0101",
        "198001-01",
        "80-01-01",
      ].map(isCalendarDate),
    ).toEqual([false, false, false, false, false, false, false]);
  });
});

describe("a contract's variables compiled to zod validators", () => {
  const contract = contractSchema.parse({
    identifier: { field: "ssn", scheme: "be-insz" },
    sourceRecordId: "id",
    variables: [
      { name: "income", type: "decimal", unit: "EUR" },
      { name: "kids", type: "integer" },
      { name: "status", type: "category", allowedValues: ["a", "b"] },
      { name: "note", type: "string" },
    ],
  });
  const [income, kids, status, note] = compileVariables(contract);

  it("defaults: keyed mode, unknown columns ignored", () => {
    expect([contract.mode, contract.extraColumns, contract.quasiIdentifiers]).toEqual([
      "keyed",
      "ignore",
      [],
    ]);
  });

  it("gives each refusal its reason code, and lets missing values through", () => {
    const check = (v: typeof income, values: string[]) =>
      values.map((x) => checkValue(v as NonNullable<typeof income>, x));
    expect(check(income, ["12.50", "-3", "1e3", ""])).toEqual([
      null,
      null,
      "KRP_ERR_NOT_A_DECIMAL",
      null,
    ]);
    expect(check(kids, ["2", "2.0", "two"])).toEqual([
      null,
      "KRP_ERR_NOT_AN_INTEGER",
      "KRP_ERR_NOT_AN_INTEGER",
    ]);
    expect(check(status, ["a", "c"])).toEqual([null, "KRP_ERR_VALUE_NOT_ALLOWED"]);
    expect(check(note, ["x".repeat(1000), "x".repeat(1001)])).toEqual([
      null,
      "KRP_ERR_VALUE_TOO_LONG",
    ]);
  });
});
