import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DisclosureRefusedError } from "./errors";
import { hierarchies } from "./hierarchies";
import { enforceKAnonymity, type QuasiIdentifier } from "./k-anonymity";
import type { Cell } from "./types";

type Row = { id: string; dob: Cell; postcode: Cell; sex: Cell };

const qis: QuasiIdentifier[] = [
  { column: "dob", hierarchy: hierarchies.yearOfBirth },
  { column: "postcode", hierarchy: hierarchies.postcodeRegion },
  { column: "sex", hierarchy: hierarchies.categorical("sex") },
];
const opts = { k: 10, maxSuppressedShare: 0.05 };

/** Ten rows: two per year from `firstYear` to firstYear + 4, in postcode region `region` ("40", "41"). */
function group(prefix: string, firstYear: number, region: string, sex: string): Row[] {
  return Array.from({ length: 10 }, (_, i) => ({
    id: `${prefix}${i}`,
    dob: `${firstYear + Math.floor(i / 2)}0${1 + (i % 9)}1${i % 10}`,
    postcode: `${region}${String(i * 7).padStart(2, "0")}`,
    sex,
  }));
}

// 31 rows. At level 0 (year, region, sex) every class has 2 rows or fewer.
// Raising dob to 5-year bands gives classes of 10, 10, 10 and the lone 1972 row;
// raising postcode or sex instead leaves every class below 10.
const dataset: Row[] = [
  ...group("a", 1950, "40", "F"), // (1950-1954, 40xx, f) × 10
  ...group("b", 1960, "40", " m"), // (1960-1964, 40xx, m) × 10
  ...group("c", 1950, "41", "M"), // (1950-1954, 41xx, m) × 10
  { id: "z", dob: "19720704", postcode: "4000", sex: "f" }, // (1970-1974, 40xx, f) × 1
];

/** Deterministic Fisher–Yates shuffle (LCG), so the test is reproducible. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const byId = (a: Row, b: Row): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe("enforceKAnonymity on a hand-built dataset", () => {
  it("fails at level 0, passes with dob in 5-year bands, suppressing the one outlier", () => {
    const { rows, report } = enforceKAnonymity(dataset, qis, opts);
    expect(report).toEqual({
      k: 10,
      levels: { dob: "5-year band", postcode: "region", sex: "value" },
      suppressed: 1,
      rows: 31,
      released: 30,
      equivalenceClasses: 3,
      smallestClass: 10,
    });
    expect(rows.map((r) => r.id)).toEqual(dataset.filter((r) => r.id !== "z").map((r) => r.id));
    expect(rows[0]).toEqual({ id: "a0", dob: "1950-1954", postcode: "40xx", sex: "f" });
    expect(rows[10]).toEqual({ id: "b0", dob: "1960-1964", postcode: "40xx", sex: "m" });
    expect(rows[29]).toEqual({ id: "c9", dob: "1950-1954", postcode: "41xx", sex: "m" });
  });

  it("does not modify the input rows", () => {
    const before = structuredClone(dataset);
    enforceKAnonymity(dataset, qis, opts);
    expect(dataset).toEqual(before);
  });

  it("with no suppression allowed, generalises further", () => {
    // Step 2: raising any QI leaves the 1972 row alone (share 1/31), so dob (listed
    // first) goes to 10-year bands; step 3: dob to "*" merges it into a class of 11.
    const { rows, report } = enforceKAnonymity(dataset, qis, { k: 10, maxSuppressedShare: 0 });
    expect(report).toEqual({
      k: 10,
      levels: { dob: "*", postcode: "region", sex: "value" },
      suppressed: 0,
      rows: 31,
      released: 31,
      equivalenceClasses: 3,
      smallestClass: 10,
    });
    expect(rows[30]).toEqual({ id: "z", dob: "*", postcode: "40xx", sex: "f" });
  });

  it("breaks an exact tie by keeping the quasi-identifier listed first less generalised", () => {
    const grid = ["a", "b"].flatMap((c1) =>
      ["x", "y"].flatMap((c2) => Array.from({ length: 5 }, () => ({ c1, c2 }))),
    );
    const c1 = { column: "c1", hierarchy: hierarchies.categorical("c1") };
    const c2 = { column: "c2", hierarchy: hierarchies.categorical("c2") };
    const o = { k: 10, maxSuppressedShare: 0 };
    expect(enforceKAnonymity(grid, [c1, c2], o).report.levels).toEqual({ c1: "value", c2: "*" });
    expect(enforceKAnonymity(grid, [c2, c1], o).report.levels).toEqual({ c2: "value", c1: "*" });
  });

  it("is deterministic: shuffled input gives the same report and the same multiset of rows", () => {
    const reference = enforceKAnonymity(dataset, qis, opts);
    for (const seed of [1, 2, 3]) {
      const result = enforceKAnonymity(shuffled(dataset, seed), qis, opts);
      expect(result.report).toEqual(reference.report);
      expect([...result.rows].sort(byId)).toEqual([...reference.rows].sort(byId));
    }
  });
});

describe("enforceKAnonymity refusal", () => {
  it("refuses when even full generalisation leaves a class below k", () => {
    const few = dataset.slice(0, 8);
    let thrown: unknown;
    try {
      enforceKAnonymity(few, qis, opts);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DisclosureRefusedError);
    const error = thrown as DisclosureRefusedError;
    expect(error.code).toBe("KRP_ERR_DISCLOSURE_REFUSED");
    expect(error.name).toBe("DisclosureRefusedError");
    expect(error.message).toBe(
      "k-anonymity with k=10 needs 8 of 8 rows suppressed, more than the allowed share 0.05",
    );
    expect(error.report).toEqual({
      k: 10,
      levels: { dob: "*", postcode: "*", sex: "*" },
      suppressed: 8,
      rows: 8,
      released: 0,
      equivalenceClasses: 0,
      smallestClass: 0,
    });
  });

  it("releases an empty extract without refusing", () => {
    expect(enforceKAnonymity([], qis, opts)).toEqual({
      rows: [],
      report: {
        k: 10,
        levels: { dob: "year", postcode: "region", sex: "value" },
        suppressed: 0,
        rows: 0,
        released: 0,
        equivalenceClasses: 0,
        smallestClass: 0,
      },
    });
  });
});

describe("enforceKAnonymity with missing values", () => {
  it("groups unparseable dates as null, a value of its own", () => {
    const missing = ["", "19990231", "not-a-date", "0000", "19801301"];
    const rows: Row[] = [
      ...Array.from({ length: 10 }, (_, i) => ({
        id: `n${i}`,
        dob: i === 9 ? null : (missing[i % 5] as string),
        postcode: "4000",
        sex: "f",
      })),
      ...Array.from({ length: 10 }, (_, i) => ({
        id: `v${i}`,
        dob: `198001${10 + i}`,
        postcode: "4001",
        sex: "F",
      })),
    ];
    const result = enforceKAnonymity(rows, qis, { k: 10, maxSuppressedShare: 0 });
    expect(result.report).toEqual({
      k: 10,
      levels: { dob: "year", postcode: "region", sex: "value" },
      suppressed: 0,
      rows: 20,
      released: 20,
      equivalenceClasses: 2,
      smallestClass: 10,
    });
    expect(result.rows[0]).toEqual({ id: "n0", dob: null, postcode: "40xx", sex: "f" });
    expect(result.rows[10]).toEqual({ id: "v0", dob: "1980", postcode: "40xx", sex: "f" });
  });

  it("keeps null apart from the string 'null', and treats empty as null", () => {
    const rows = [null, "", "  ", null, "", "null", "NULL", " Null ", "null", "null"].map(
      (sex, i) => ({ id: String(i), sex }),
    );
    const sexQi = [{ column: "sex", hierarchy: hierarchies.categorical("sex") }];
    const result = enforceKAnonymity(rows, sexQi, { k: 5, maxSuppressedShare: 0 });
    expect(result.report).toEqual({
      k: 5,
      levels: { sex: "value" },
      suppressed: 0,
      rows: 10,
      released: 10,
      equivalenceClasses: 2,
      smallestClass: 5,
    });
    expect(result.rows.map((r) => r.sex)).toEqual([
      null,
      null,
      null,
      null,
      null,
      "null",
      "null",
      "null",
      "null",
      "null",
    ]);
  });
});

describe("enforceKAnonymity argument checks", () => {
  it("rejects bad k, share, duplicate columns and empty hierarchies", () => {
    expect(() => enforceKAnonymity(dataset, qis, { k: 0, maxSuppressedShare: 0 })).toThrow(
      "k must be a positive integer, got 0",
    );
    expect(() => enforceKAnonymity(dataset, qis, { k: 2.5, maxSuppressedShare: 0 })).toThrow(
      RangeError,
    );
    expect(() => enforceKAnonymity(dataset, qis, { k: 10, maxSuppressedShare: 1.5 })).toThrow(
      "maxSuppressedShare must be in [0, 1], got 1.5",
    );
    expect(() =>
      enforceKAnonymity(dataset, qis, { k: 10, maxSuppressedShare: Number.NaN }),
    ).toThrow(RangeError);
    const [dobQi] = qis as [QuasiIdentifier];
    expect(() => enforceKAnonymity(dataset, [dobQi, dobQi], opts)).toThrow(
      "quasi-identifier column dob listed twice",
    );
    const empty = { column: "sex", hierarchy: { name: "empty", levels: [] } };
    expect(() => enforceKAnonymity(dataset, [empty], opts)).toThrow(
      "hierarchy empty has no levels",
    );
  });
});

describe("enforceKAnonymity property", () => {
  const cell = (values: Cell[]) => fc.constantFrom(...values);
  const row = fc.record({
    id: fc.string(),
    dob: cell(["19500101", "19530612", "19571231", "19620305", "19691111", "19990231", "", null]),
    postcode: cell(["4000", "4012", "4215", "2000", "2600", "0800", "x", null]),
    sex: cell(["f", "F", "m", " M", "x", "", null]),
  });

  it("every released equivalence class has at least k rows", () => {
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 120 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(0, 0.05, 0.2, 1),
        (rows, k, maxSuppressedShare) => {
          let result: ReturnType<typeof enforceKAnonymity<Row>>;
          try {
            result = enforceKAnonymity(rows, qis, { k, maxSuppressedShare });
          } catch (e) {
            if (!(e instanceof DisclosureRefusedError)) throw e;
            expect(e.report.suppressed / e.report.rows).toBeGreaterThan(maxSuppressedShare);
            return;
          }
          const { rows: released, report } = result;
          const classes = new Map<string, number>();
          for (const r of released) {
            const key = JSON.stringify([r.dob, r.postcode, r.sex]);
            classes.set(key, (classes.get(key) ?? 0) + 1);
          }
          for (const size of classes.values()) expect(size).toBeGreaterThanOrEqual(k);
          expect(report.released).toBe(released.length);
          expect(report.released + report.suppressed).toBe(rows.length);
          expect(report.suppressed).toBeLessThanOrEqual(maxSuppressedShare * rows.length + 1e-9);
          expect(report.equivalenceClasses).toBe(classes.size);
          expect(report.smallestClass).toBe(classes.size === 0 ? 0 : Math.min(...classes.values()));
        },
      ),
      { numRuns: 300, seed: 20250314 },
    );
  });
});

describe("enforceKAnonymity lattice search", () => {
  // 40 rows: region r1/r2 × sex m/f, 10 rows per cell, dob years over 1950–1969.
  // Passing nodes include (dob "*", region, sex): loss (3/3 + 0 + 0) / 3 = 0.33,
  // and (dob 10-year band, region, sex "*"): loss (2/3 + 0 + 1) / 3 = 0.56.
  // The search must release the first.
  const rows = Array.from({ length: 40 }, (_, i) => ({
    region: i % 2 === 0 ? "r1" : "r2",
    sex: i % 4 < 2 ? "m" : "f",
    dob: `${i < 20 ? 1950 + (i % 10) : 1960 + (i % 10)}0101`,
  }));
  const lattice = [
    { column: "dob", hierarchy: hierarchies.yearOfBirth },
    { column: "region", hierarchy: hierarchies.categorical("region") },
    { column: "sex", hierarchy: hierarchies.categorical("sex") },
  ];

  it("releases the combination with the least information loss", () => {
    const { report } = enforceKAnonymity(rows, lattice, { k: 10, maxSuppressedShare: 0 });
    expect(report.levels).toEqual({ dob: "*", region: "value", sex: "value" });
    expect(report).toMatchObject({
      suppressed: 0,
      released: 40,
      equivalenceClasses: 4,
      smallestClass: 10,
    });
  });
});
