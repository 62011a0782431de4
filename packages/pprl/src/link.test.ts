import { describe, expect, it } from "vitest";
import { assignOneToOne } from "./assign";
import { candidatePairs } from "./candidates";
import { Encoder, pprlKeyFromLinkageKey } from "./encode";
import { linkEncodings } from "./link";
import { PERSON_SCHEMA_V1 } from "./schema";
import { decide, Scorer } from "./scorer";

const key = pprlKeyFromLinkageKey(new Uint8Array(32).fill(9));
const encoder = new Encoder(key, 1, PERSON_SCHEMA_V1);
const scorer = new Scorer();
const person = {
  given_name: "michaela",
  surname: "neumann",
  date_of_birth: "19151111",
  street_number: "8",
  address_1: "stanley street",
  address_2: "miami",
  suburb: "winston hills",
  postcode: "4223",
};
const other = {
  given_name: "courtney",
  surname: "painter",
  date_of_birth: "19161214",
  street_number: "12",
  address_1: "pinkerton circuit",
  address_2: "bega flats",
  suburb: "richlands",
  postcode: "4560",
};

describe("scoring pairs", () => {
  it("links the same person and not another", () => {
    const a = encoder.encode(person);
    expect(decide(scorer.score(a, encoder.encode(person)).score)).toBe("link");
    expect(decide(scorer.score(a, encoder.encode(other)).score)).toBe("no-link");
  });

  it("still links when given name and surname are swapped", () => {
    const swapped = { ...person, given_name: person.surname, surname: person.given_name };
    const s = scorer.score(encoder.encode(person), encoder.encode(swapped));
    expect(s.levels.slice(0, 2)).toEqual([3, 3]);
    expect(decide(s.score)).toBe("link");
    // and the blocking pass on both names sorted puts them in one block
    expect(candidatePairs([encoder.encode(person)], [encoder.encode(swapped)])).toEqual([[0, 0]]);
  });

  it("scores a missing date of birth lower, without crashing or matching everything", () => {
    const full = scorer.score(encoder.encode(person), encoder.encode(person)).score;
    const noDob = scorer.score(
      encoder.encode(person),
      encoder.encode({ ...person, date_of_birth: "" }),
    );
    expect(noDob.levels[2]).toBe(-1);
    expect(noDob.score).toBeLessThan(full);
    expect(decide(noDob.score)).toBe("link");
    // two records with nothing but a missing date in common do not link
    const empty = { date_of_birth: "" };
    expect(decide(scorer.score(encoder.encode(empty), encoder.encode(empty)).score)).toBe(
      "no-link",
    );
    const stranger = scorer.score(
      encoder.encode({ ...other, date_of_birth: "" }),
      encoder.encode(person),
    );
    expect(decide(stranger.score)).toBe("no-link");
  });

  it("refuses encodings made under different key versions or schemas", () => {
    const v2 = new Encoder(key, 2, PERSON_SCHEMA_V1).encode(person);
    expect(() => scorer.score(encoder.encode(person), v2)).toThrow(
      /KRP_ERR_PPRL_SCHEMA_MISMATCH: cannot compare an encoding of kruispunt-person\/v1 key version 1 with one of kruispunt-person\/v1 key version 2/,
    );
    const otherSchema = { ...encoder.encode(person), schemaId: "kruispunt-person/v2" };
    expect(() => scorer.score(encoder.encode(person), otherSchema)).toThrow(
      /KRP_ERR_PPRL_SCHEMA_MISMATCH/,
    );
    expect(() => linkEncodings([encoder.encode(person)], [v2])).toThrow(
      /KRP_ERR_PPRL_SCHEMA_MISMATCH/,
    );
  });
});

describe("blocking", () => {
  it("scores a pair that shares several blocks once", () => {
    // person and its copy share all five blocking keys
    const a = encoder.encode(person);
    expect(a.blockingKeys).toHaveLength(5);
    expect(candidatePairs([a], [encoder.encode(person), encoder.encode(other)])).toEqual([[0, 0]]);
    expect(linkEncodings([a], [encoder.encode(person)]).candidates).toBe(1);
  });
});

describe("one-to-one assignment (greedy best score first)", () => {
  const pairs = [
    { left: "a1", right: "b1", score: 10 },
    { left: "a1", right: "b2", score: 12 },
    { left: "a2", right: "b2", score: 11 },
    { left: "a2", right: "b1", score: 9 },
    { left: "a3", right: "b3", score: 2 },
    { left: "a3", right: "b1", score: 1 },
  ];
  it("takes the best pair first and never links a record twice", () => {
    const r = assignOneToOne(pairs, { link: 5, review: 0 });
    expect(r.links.map((p) => `${p.left}-${p.right}`)).toEqual(["a1-b2", "a2-b1"]);
    expect(r.review.map((p) => `${p.left}-${p.right}`)).toEqual(["a3-b3"]);
  });
  it("gives the same result in any input order", () => {
    const r1 = assignOneToOne(pairs, { link: 5, review: 0 });
    const r2 = assignOneToOne([...pairs].reverse(), { link: 5, review: 0 });
    expect(r2).toEqual(r1);
  });
  it("never adds a link when the match threshold rises", () => {
    let previous: Set<string> | null = null;
    for (const link of [0, 2, 9.5, 10.5, 11.5, 13]) {
      const now = new Set(
        assignOneToOne(pairs, { link, review: -100 }).links.map((p) => `${p.left}-${p.right}`),
      );
      if (previous) for (const l of now) expect(previous.has(l)).toBe(true);
      previous = now;
    }
  });
});
