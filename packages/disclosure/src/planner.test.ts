import { describe, expect, it } from "vitest";
import { hierarchies } from "./hierarchies";
import { KAnonymityPlanner } from "./planner";

const qis = [
  { column: "dob", hierarchy: hierarchies.yearOfBirth },
  { column: "postcode", hierarchy: hierarchies.postcodeRegion },
];

describe("KAnonymityPlanner (streaming k-anonymity)", () => {
  // 12 persons born 1950–1953 in 40xx, 3 born 1971 in 41xx: with k = 10 and at most
  // 20 % suppressed, dob in 5-year bands keeps the 12 and suppresses the 3 (3/15 = 0.2).
  const rows = [
    ...Array.from({ length: 12 }, (_, i) => [`195${i % 4}0101`, `40${10 + i}`]),
    ...Array.from({ length: 3 }, () => ["19710101", "4100"]),
  ];

  it("plans from counts alone and releases row by row with the same answer", () => {
    const planner = new KAnonymityPlanner(qis, { k: 10, maxSuppressedShare: 0.2 });
    for (const r of rows) planner.add(r);
    const plan = planner.plan();
    expect(plan.report).toEqual({
      k: 10,
      levels: { dob: "5-year band", postcode: "region" },
      suppressed: 3,
      rows: 15,
      released: 12,
      equivalenceClasses: 1,
      smallestClass: 12,
    });
    expect(plan.levels).toEqual([1, 0]);
    expect(plan.release(["19530101", "4021"])).toEqual(["1950-1954", "40xx"]);
    expect(plan.release(["19710101", "4100"])).toBeNull();
  });

  it("suppresses a combination it never counted, and refuses beyond the budget", () => {
    const planner = new KAnonymityPlanner(qis, { k: 10, maxSuppressedShare: 0.2 });
    for (const r of rows) planner.add(r);
    expect(planner.plan().release(["19990101", "9999"])).toBeNull();
    const strict = new KAnonymityPlanner(qis, { k: 16, maxSuppressedShare: 0.1 });
    for (const r of rows) strict.add(r);
    expect(() => strict.plan()).toThrow(
      "k-anonymity with k=16 needs 15 of 15 rows suppressed, more than the allowed share 0.1",
    );
  });
  it("names each counted row's class by an id that releases as its base values do", () => {
    const planner = new KAnonymityPlanner(qis, { k: 10, maxSuppressedShare: 0.2 });
    const ids = rows.map((r) => planner.add(r));
    // Level-0 values: year × region. 1950–1953 in 40xx are 4 classes (ids 0–3), 1971 in 41xx one.
    expect(ids).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 4, 4, 4]);
    // A different date and postcode with the same year and region is the same class.
    expect(planner.add(["19500615", "4099"])).toBe(0);
    const plan = planner.plan();
    expect(plan.report.suppressed).toBe(3);
    rows.forEach((r, i) => {
      expect(plan.releaseClass(ids[i] as number)).toEqual(plan.release(r));
    });
    expect(plan.releaseClass(0)).toEqual(["1950-1954", "40xx"]);
    expect(plan.releaseClass(4)).toBeNull();
    expect(() => plan.releaseClass(5)).toThrow(RangeError);
  });
});
