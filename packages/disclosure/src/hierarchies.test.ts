import { describe, expect, it } from "vitest";
import { hierarchies } from "./hierarchies";
import type { Cell, Hierarchy } from "./types";

/** Every level of `h` applied to `v`, base level first. */
const allLevels = (h: Hierarchy, v: Cell): Cell[] => h.levels.map((l) => l.generalise(v));

describe("yearOfBirth", () => {
  const h = hierarchies.yearOfBirth;

  it("has the levels year, 5-year band, 10-year band, *", () => {
    expect(h.name).toBe("yearOfBirth");
    expect(h.levels.map((l) => l.label)).toEqual(["year", "5-year band", "10-year band", "*"]);
  });

  it("generalises a YYYYMMDD date", () => {
    expect(allLevels(h, "19530412")).toEqual(["1953", "1950-1954", "1950-1959", "*"]);
    expect(allLevels(h, "19541231")).toEqual(["1954", "1950-1954", "1950-1959", "*"]);
    expect(allLevels(h, "19550101")).toEqual(["1955", "1955-1959", "1950-1959", "*"]);
    expect(allLevels(h, "20000229")).toEqual(["2000", "2000-2004", "2000-2009", "*"]);
    expect(allLevels(h, " 19530412 ")).toEqual(["1953", "1950-1954", "1950-1959", "*"]);
  });

  it("generalises a bare YYYY year (sent when the date of birth is a sealed quasi-identifier)", () => {
    expect(allLevels(h, "1953")).toEqual(["1953", "1950-1954", "1950-1959", "*"]);
    expect(allLevels(h, " 2000 ")).toEqual(["2000", "2000-2004", "2000-2009", "*"]);
  });

  it("maps empty or invalid dates to null below the top level", () => {
    for (const bad of [
      null,
      "",
      "1953041",
      "195304120",
      "19531301",
      "19530230",
      "19000229",
      "abcdefgh",
      "00000101",
      "0000",
      "953",
      "19530",
    ]) {
      expect(allLevels(h, bad)).toEqual([null, null, null, "*"]);
    }
  });
});

describe("postcodeRegion", () => {
  const h = hierarchies.postcodeRegion;

  it("has the levels region, state region, *", () => {
    expect(h.name).toBe("postcodeRegion");
    expect(h.levels.map((l) => l.label)).toEqual(["region", "state region", "*"]);
  });

  it("generalises a 4-digit postcode", () => {
    expect(allLevels(h, "4215")).toEqual(["42xx", "4xxx", "*"]);
    expect(allLevels(h, "0800")).toEqual(["08xx", "0xxx", "*"]);
    expect(allLevels(h, " 2000 ")).toEqual(["20xx", "2xxx", "*"]);
  });

  it("maps empty or invalid postcodes to null below the top level", () => {
    for (const bad of [null, "", "421", "42150", "42a5", "-421"]) {
      expect(allLevels(h, bad)).toEqual([null, null, "*"]);
    }
  });
});

describe("categorical", () => {
  const h = hierarchies.categorical("sex");

  it("is named after its column and has the levels value, *", () => {
    expect(h.name).toBe("sex");
    expect(h.levels.map((l) => l.label)).toEqual(["value", "*"]);
  });

  it("trims and lower-cases, and maps empty to null", () => {
    expect(allLevels(h, " F ")).toEqual(["f", "*"]);
    expect(allLevels(h, "Null")).toEqual(["null", "*"]);
    expect(allLevels(h, "")).toEqual([null, "*"]);
    expect(allLevels(h, "   ")).toEqual([null, "*"]);
    expect(allLevels(h, null)).toEqual([null, "*"]);
  });
});
