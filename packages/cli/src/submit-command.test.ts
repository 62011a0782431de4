import { describe, expect, it } from "vitest";
import { ignoredColumnsNote, progressLine } from "./submit-command";

describe("the submit progress line", () => {
  it("shows bar, records, rate, accepted and refused", () => {
    expect(progressLine(0.5, { submitted: 2001, accepted: 2000, refused: 1 }, 1234.4)).toBe(
      "[############............] 2,001 records  1,234/s  accepted 2,000  refused 1",
    );
  });

  it("names the ignored undeclared columns once the upload says so", () => {
    expect(
      progressLine(
        1,
        { submitted: 2, accepted: 2, refused: 0, ignoredColumns: ["note", "remark"] },
        10,
      ),
    ).toBe(
      "[########################] 2 records  10/s  accepted 2  refused 0  ignored columns: note, remark",
    );
    expect(ignoredColumnsNote([])).toBe("");
    expect(ignoredColumnsNote()).toBe("");
  });
});
