/** The leak scan's matchers: what counts as a raw name or date of birth at rest. */
import { describe, expect, it } from "vitest";
import { findDates, findWords } from "./privacy-scan";

const names = new Set(["brody", "campbell"]);

describe("findWords", () => {
  it("finds a name written as a name, whatever the delimiter", () => {
    const text = '{"given_name":"brody"} BRODY,x\nCampbell\u0005brody\u0000';
    expect(findWords(text, names, "t").map((h) => h.value)).toEqual([
      "brody",
      "brody",
      "campbell",
      "brody",
    ]);
  });

  it("ignores letter runs inside base64 ciphertext and longer words", () => {
    // From a CI run's records.intake segment: sealed bytes, base64url.
    const text = "vW7bRoDy1_RLIYhaSRjfK3u8 brodyx xbrody 7brody campbells";
    expect(findWords(text, names, "t")).toEqual([]);
  });
});

describe("findDates", () => {
  it("finds a whole 8-digit date token but not digits inside a hex run", () => {
    const dates = new Set(["19700101"]);
    expect(findDates("dob=19700101;", dates, "t")).toEqual([{ where: "t", value: "19700101" }]);
    expect(findDates("a19700101f 1970010112", dates, "t")).toEqual([]);
  });
});
