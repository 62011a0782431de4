/**
 * Synthetic data: exact seeded output, every INSZ valid under the be-insz scheme and
 * consistent with birth date and sex, the overlap and typo options, and the files.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getScheme } from "@kruispunt/identifiers";
import { describe, expect, it } from "vitest";
import { generateRows, type SyntheticRow } from "./generate";
import { seededRng } from "./rng";
import { typo } from "./typos";
import { CSV_HEADER, csvField, writeSynthetic } from "./write";

const take = (n: number, rows: Iterable<SyntheticRow>) => {
  const out: SyntheticRow[] = [];
  for (const row of rows) {
    out.push(row);
    if (out.length === n) break;
  }
  return out;
};

describe("generateRows", () => {
  it("gives exactly these records for seed 42", () => {
    const [a1, b1, a2, b2, a3, b3] = take(6, generateRows({ count: 5, seed: 42, agencies: 2 }));
    expect(a1).toEqual({
      agency: "a",
      record: {
        record_id: "a-0000001",
        insz: "43060916624",
        given_name: "Monique",
        surname: "Le Taeye",
        sex: "F",
        date_of_birth: "1943-06-09",
        street: "Kouter",
        house_number: "16",
        postcode: "7000",
        municipality: "Mons",
        region: "wallonia",
        employment_status: "retired",
        monthly_income_eur: "2600",
        sick_leave_days: "0",
      },
    });
    expect(b1?.record.record_id).toBe("b-9e3779b1");
    expect(b1?.duplicateOf).toBeUndefined();
    expect(a2?.record.insz).toBe("24061668688");
    expect(b2?.duplicateOf).toBeUndefined();
    expect(a3?.record.insz).toBe("10062521097");
    expect(b3).toEqual({
      agency: "b",
      duplicateOf: "a-0000003",
      // Same person and INSZ; a typo in the given name and one in the street.
      record: {
        ...a3?.record,
        record_id: "b-daa66d13",
        given_name: "Fatqma",
        street: "Reu de l'Église",
      },
    });
  });

  it("gives the same rows for the same seed and other rows for another", () => {
    const one = take(200, generateRows({ count: 100, seed: 7, agencies: 2 }));
    expect(take(200, generateRows({ count: 100, seed: 7, agencies: 2 }))).toEqual(one);
    expect(take(200, generateRows({ count: 100, seed: 8, agencies: 2 }))).not.toEqual(one);
  });

  it("keeps agency A's records whatever B's options", () => {
    const alone = take(50, generateRows({ count: 50, seed: 3 })).map((r) => r.record);
    const paired = take(100, generateRows({ count: 50, seed: 3, agencies: 2, overlap: 0.9 }))
      .filter((r) => r.agency === "a")
      .map((r) => r.record);
    expect(paired).toEqual(alone);
  });

  it("draws lazily: the first rows of a trillion come at once (bounded memory)", () => {
    expect(take(3, generateRows({ count: 1e12, seed: 1 }))).toHaveLength(3);
  });

  it("gives 20,000 INSZ numbers that be-insz accepts, matching birth date and sex", () => {
    const insz = getScheme("be-insz");
    let valid = 0;
    let consistent = 0;
    for (const { record } of generateRows({ count: 10_000, seed: 99, agencies: 2 })) {
      const v = insz.validate(record.insz);
      if (v.ok && v.canonical === record.insz) valid++;
      const dob = record.date_of_birth.replaceAll("-", "").slice(2);
      const serial = Number(record.insz.slice(6, 9));
      if (record.insz.slice(0, 6) === dob && (serial % 2 === 1) === (record.sex === "M"))
        consistent++;
    }
    expect([valid, consistent]).toEqual([20_000, 20_000]);
  });

  it("copies about `overlap` of A's persons into B (2,973 of 10,000 at 0.3), typos at `typoRate` per field (1,764 of 8,919 at 0.2)", () => {
    let copies = 0;
    let sameInsz = 0;
    let mistyped = 0;
    let lastA: SyntheticRow | undefined;
    for (const row of generateRows({
      count: 10_000,
      seed: 5,
      agencies: 2,
      overlap: 0.3,
      typoRate: 0.2,
    })) {
      if (row.agency === "a") {
        lastA = row;
        continue;
      }
      if (!row.duplicateOf || !lastA) continue;
      copies++;
      if (row.record.insz === lastA.record.insz) sameInsz++;
      for (const f of ["given_name", "surname", "street"] as const)
        if (row.record[f] !== lastA.record[f]) mistyped++;
    }
    expect([copies, sameInsz, mistyped]).toEqual([2_973, 2_973, 1_764]);
  });

  it("mistypes one digit of a copy's INSZ at `identifierErrorRate` (279 of 2,945 at 0.1), which be-insz then refuses", () => {
    const scheme = getScheme("be-insz");
    const options = { count: 10_000, seed: 5, agencies: 2 as const, overlap: 0.3 };
    const plainA = [...generateRows(options)].filter((r) => r.agency === "a");
    const rows = [...generateRows({ ...options, identifierErrorRate: 0.1 })];
    // A's stream is its own: the option changes only B's.
    expect(rows.filter((r) => r.agency === "a")).toEqual(plainA);
    const insz = new Map(plainA.map((r) => [r.record.record_id, r.record.insz]));
    let copies = 0;
    let changed = 0;
    let oneDigit = 0;
    let refused = 0;
    for (const row of rows) {
      if (!row.duplicateOf) continue;
      copies++;
      const original = insz.get(row.duplicateOf) as string;
      if (row.record.insz === original) continue;
      changed++;
      if ([...row.record.insz].filter((c, i) => c !== original[i]).length === 1) oneDigit++;
      if (!scheme.validate(row.record.insz).ok) refused++;
    }
    // 279 of 2,945 copies (9.5 %); mod-97 check digits catch every one-digit error.
    expect([copies, changed, oneDigit, refused]).toEqual([2_945, 279, 279, 279]);
  });

  it("never gives two persons the same INSZ (200,000 persons of two agencies)", () => {
    const seen = new Set<string>();
    let persons = 0;
    for (const row of generateRows({ count: 100_000, seed: 3, agencies: 2, overlap: 0 })) {
      seen.add(row.record.insz);
      persons++;
    }
    expect([persons, seen.size]).toEqual([200_000, 200_000]);
  });

  it("refuses impossible options", () => {
    expect(() => take(1, generateRows({ count: -1, seed: 1 }))).toThrow(RangeError);
    expect(() => take(1, generateRows({ count: 1, seed: 1, overlap: 2 }))).toThrow(RangeError);
    expect(() => take(1, generateRows({ count: 1, seed: 1, identifierErrorRate: -0.1 }))).toThrow(
      RangeError,
    );
  });
});

describe("typo", () => {
  it("makes one Damerau edit", () => {
    const rng = seededRng(11);
    expect(Array.from({ length: 6 }, () => typo(rng, "Peeters"))).toEqual([
      "Peeetrs", // swap
      "Peeetrs", // swap
      "Peetesr", // swap
      "ePeters", // swap
      "Peetters", // double
      "Pekters", // replace
    ]);
    expect(typo(rng, "A")).toBe("A");
  });
});

describe("writeSynthetic", () => {
  it("writes CSV files, the truth file and counts that agree with generateRows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "synthetic-"));
    const paths = { a: join(dir, "a.csv"), b: join(dir, "b.csv") };
    const counts = await writeSynthetic({
      count: 3_000,
      seed: 42,
      agencies: 2,
      format: "csv",
      paths,
      truthPath: join(dir, "truth.csv"),
    });
    const a = readFileSync(paths.a, "utf8").split("\r\n");
    const truth = readFileSync(join(dir, "truth.csv"), "utf8").trim().split("\n");
    expect(counts).toEqual({ a: 3_000, b: 3_000, pairs: truth.length - 1 });
    expect(`${a[0]}\r\n`).toBe(CSV_HEADER);
    expect(a[1]).toBe(
      "a-0000001,43060916624,Monique,Le Taeye,F,1943-06-09,Kouter,16,7000,Mons,wallonia,retired,2600,0",
    );
    expect(a).toHaveLength(3_002); // header, 3,000 records, "" after the last CRLF
    expect(truth[1]).toBe("a-0000003,b-daa66d13");
  });

  it("writes NDJSON that parses back to the generated records", async () => {
    const dir = mkdtempSync(join(tmpdir(), "synthetic-"));
    await writeSynthetic({
      count: 500,
      seed: 4,
      format: "ndjson",
      paths: { a: join(dir, "a.ndjson") },
    });
    const lines = readFileSync(join(dir, "a.ndjson"), "utf8").trim().split("\n");
    const expected = take(500, generateRows({ count: 500, seed: 4 })).map((r) => r.record);
    expect(lines.map((l) => JSON.parse(l))).toEqual(expected);
  });

  it("quotes CSV fields per RFC 4180", () => {
    expect(["D'Hondt", "a,b", 'say "hi"', "two\nlines"].map(csvField)).toEqual([
      "D'Hondt",
      '"a,b"',
      '"say ""hi"""',
      '"two\nlines"',
    ]);
  });
});
