/**
 * Typing errors as a second agency's clerk makes them, for linkage test data: one
 * edit per affected field — a dropped, doubled, swapped or replaced letter (the four
 * Damerau edits), as in the FEBRL generator (Christen 2005).
 */
import { int, type Rng } from "./rng";

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

/** `value` with one Damerau edit at a random position; values under 2 characters are kept. */
export function typo(rng: Rng, value: string): string {
  if (value.length < 2) return value;
  const i = int(rng, 0, value.length - 2);
  const kind = int(rng, 0, 3);
  const before = value.slice(0, i);
  switch (kind) {
    case 0: // drop
      return before + value.slice(i + 1);
    case 1: // double
      return before + value[i] + value.slice(i);
    case 2: // swap with the next
      return before + value[i + 1] + value[i] + value.slice(i + 2);
    default: // replace
      return before + LETTERS[int(rng, 0, 25)] + value.slice(i + 1);
  }
}
