/**
 * Keyed blocking keys: the linker compares only records that share at least one.
 * Several passes, so a typo in one field does not lose the pair (a pair is still
 * scored once, however many keys it shares):
 *   "sn+yob"  Double Metaphone of the surname, year of birth
 *   "gn+yob"  Double Metaphone of the given name, year of birth
 *   "names"   both names' Double Metaphone codes, sorted (given name and surname swapped)
 *   "dob"     the full date of birth
 *   "pc+sub"  postcode and the suburb's Double Metaphone code
 * Each key is the first 16 hex digits of HMAC-SHA-256(K_block, pass ‖ 0x00 ‖ value),
 * K_block = HMAC-SHA-256(K_pprl, "kruispunt/pprl-block/v1"), so the linker sees
 * only which records share a block, never the value. A pass whose fields are
 * missing gives no key.
 */
import { createHmac } from "node:crypto";
import { doubleMetaphone } from "double-metaphone";
import { yearOf } from "./normalise";

/** Double Metaphone primary code of the first word of a normalised name, or "". */
export function phonetic(name: string): string {
  const first = name.split(" ")[0] ?? "";
  return first === "" ? "" : doubleMetaphone(first)[0];
}

/** Blocking values by pass for normalised fields (raw; keyed by `blockingKeys`). */
export function blockingValues(n: Readonly<Record<string, string>>): [string, string][] {
  const gn = phonetic(n.given_name ?? "");
  const sn = phonetic(n.surname ?? "");
  const dob = n.date_of_birth ?? "";
  const yob = yearOf(dob);
  const pc = n.postcode ?? "";
  const sub = phonetic(n.suburb ?? "");
  const out: [string, string][] = [];
  if (sn && yob) out.push(["sn+yob", `${sn}\u0000${yob}`]);
  if (gn && yob) out.push(["gn+yob", `${gn}\u0000${yob}`]);
  if (gn && sn) out.push(["names", [gn, sn].sort().join("\u0000")]);
  if (dob) out.push(["dob", dob]);
  if (pc && sub) out.push(["pc+sub", `${pc}\u0000${sub}`]);
  return out;
}

/** K_block of a PPRL key. */
export function blockingKey(pprlKey: Uint8Array): Buffer {
  return createHmac("sha256", pprlKey).update("kruispunt/pprl-block/v1").digest();
}

/** The keyed blocking keys of a record's normalised fields, under K_block (`blockingKey`). */
export function blockingKeys(kBlock: Uint8Array, n: Readonly<Record<string, string>>): string[] {
  return blockingValues(n).map(([pass, value]) =>
    createHmac("sha256", kBlock).update(`${pass}\u0000${value}`).digest("hex").slice(0, 16),
  );
}
