import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { febrlSubmission, scoreLinkage, yearOfBirth } from "./febrl";

const data = fileURLToPath(new URL("../../../../../shared/data/febrl4/", import.meta.url));

describe("febrlSubmission", () => {
  it("drops rec_id, numbers records from 1 and keeps the truth aside", () => {
    const a = febrlSubmission(`${data}dataset4a.csv`);
    expect(a.records).toBe(5000);
    expect(a.csv.split("\n")[0]).toBe(
      "record_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,date_of_birth,soc_sec_id,year_of_birth",
    );
    expect(a.csv).not.toContain("rec-");
    // First data row of dataset4a.csv is rec-1070-org (michaela neumann).
    expect(a.truth.get("1")).toBe(1070);
    expect(a.csv.split("\n")[1]).toBe(
      "1,michaela,neumann,8,stanley street,miami,winston hills,4223,nsw,19151111,5304218,1915",
    );
  });

  it("derives year_of_birth from calendar dates only", () => {
    expect([yearOfBirth("19151111"), yearOfBirth(" 20000229 "), yearOfBirth("19000229")]).toEqual([
      "1915",
      "2000",
      "",
    ]);
    expect([yearOfBirth("19531301"), yearOfBirth(""), yearOfBirth(undefined)]).toEqual([
      "",
      "",
      "",
    ]);
  });

  it("keeps only persons below limitPairs", () => {
    const a = febrlSubmission(`${data}dataset4a.csv`, 500);
    const b = febrlSubmission(`${data}dataset4b.csv`, 500);
    expect(a.records).toBe(500);
    expect(b.records).toBe(500);
  });
});

describe("scoreLinkage", () => {
  const alpha = new Map([
    ["1", 10],
    ["2", 11],
    ["3", 12],
  ]);
  const beta = new Map([
    ["7", 11],
    ["8", 10],
    ["9", 99],
  ]);
  it("counts true and false positives and misses", () => {
    expect(
      scoreLinkage(
        [
          { left: "1", right: "8" },
          { left: "3", right: "9" },
        ],
        alpha,
        beta,
      ),
    ).toEqual({
      tp: 1,
      fp: 1,
      fn: 1,
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
    });
  });
  it("gives zeros, not NaN, for no pairs", () => {
    expect(scoreLinkage([], alpha, beta)).toEqual({
      tp: 0,
      fp: 0,
      fn: 2,
      precision: 0,
      recall: 0,
      f1: 0,
    });
  });
});
