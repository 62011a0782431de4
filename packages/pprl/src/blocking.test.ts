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

  it("blocks by given name and year of birth only within the surname code's first letter", () => {
    const values = (surname: string, dob: string) =>
      blockingValues({ given_name: "jan", surname, date_of_birth: dob });
    expect(values("peeters", "19700101")).toEqual([
      ["sn+yob", "PTRS\u00001970"],
      ["gn+yob+s", "JN\u00001970\u0000P"],
      ["names", "JN\u0000PTRS"],
      ["dob", "19700101"],
    ]);
    // A surname that sounds otherwise and a mistyped birth date still meet by given name
    // and year when the surnames' codes start alike, not when they do not.
    const gnYob = (surname: string) => values(surname, "19700102").find(([p]) => p === "gn+yob+s");
    expect(gnYob("pauwels")).toEqual(gnYob("peeters"));
    expect(values("pauwels", "19700102")).not.toContainEqual(values("peeters", "19700101")[0]);
    expect(gnYob("janssens")).not.toEqual(gnYob("peeters"));
  });
});
