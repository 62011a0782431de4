/**
 * Phonetic blocking codes of names with particles (blocking.ts `phonetic`): the main
 * word decides, so Belgian and Dutch surnames spelt with or without spaces meet, and
 * a "van" or "de" alone never makes a block of its own.
 */
import { describe, expect, it } from "vitest";
import { blockingValues, phonetic } from "./blocking";
import { normaliseName } from "./normalise";

describe("phonetic", () => {
  it.each([
    ["Peeters", "PTRS"],
    ["Van den Broeck", "PRK"],
    ["Vandenbroeck", "PRK"],
    ["Van Damme", "TM"],
    ["Vandamme", "TM"],
    ["Vanderstraeten", "STRTN"],
    ["De Smet", "SMT"],
    ["D'Hondt", "HNT"],
    ["El Amrani", "AMRN"],
    // a joined "van" before a vowel, or with under three letters after it, is the name
    ["Vanessa", "FNS"],
    ["Vanja", "FNJ"],
    // only particles: the first word is all there is
    ["Van", "FN"],
    ["", ""],
  ])("%s → %s", (name, code) => {
    expect(phonetic(normaliseName(name))).toBe(code);
  });

  it("gives a surname spelt with or without spaces the same blocking values", () => {
    const person = (surname: string) =>
      blockingValues({
        given_name: "jan",
        surname: normaliseName(surname),
        date_of_birth: "19700101",
      });
    expect(person("Van den Broeck")).toEqual(person("Vandenbroeck"));
    expect(person("Van den Broeck")).not.toEqual(person("Van Damme"));
  });
});
