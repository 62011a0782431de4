/**
 * Deterministic test fixtures shared by this package's tests (not exported from the
 * package): the linkage keys the known answers are computed with, and a keyring holding
 * both as versions 1 and 2.
 */
import { importKeyring } from "./keyring";
import type { Keyring } from "./keyring-types";

/** Linkage key version 1: bytes 0x00…0x1f, hex. */
export const k1 = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString("hex");
/** Linkage key version 2: bytes 0x40…0x5f. */
export const k2 = new Uint8Array(Array.from({ length: 32 }, (_, i) => 0x40 + i));

/** A keyring with linkage key k1 as version 1 and k2 as version 2. */
export function ringWithTwoVersions(): Keyring {
  const ring = importKeyring({ linkageKeyHex: k1 });
  return {
    ...ring,
    keys: [
      ...ring.keys,
      { purpose: "linkage", version: 2, key: k2, createdAt: "2026-11-29T00:00:00Z" },
    ],
  };
}
