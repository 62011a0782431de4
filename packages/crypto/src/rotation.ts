/**
 * Linkage-key rotation without raw identifiers.
 *
 * Version 1 of a linkage pseudonym is HMAC-SHA-256(k1, scheme ‖ 0x00 ‖ identifier).
 * Version n > 1 applies key n over version n−1:
 *   LP_n = HMAC-SHA-256(k_n, UTF-8("kruispunt/rekey/v1") ‖ 0x00 ‖ bytes(LP_{n−1})).
 * So whoever holds the keyring can move a stored pseudonym forward (the linker's
 * store is re-keyed without seeing an identifier), and new records are computed the
 * same way, through the whole chain. A leaked old key alone no longer yields the
 * stored pseudonyms; the older keys stay in the ring because new records need them.
 */
import { fromLowerHex, labelled, requireKeyLength, toHex } from "./bytes";
import { CryptoError, CryptoErrorCode, KeyringError } from "./errors";
import { hmacSha256, sha256Hex } from "./hash";
import { currentKey } from "./keyring";
import type { Keyring, SymmetricKey } from "./keyring-types";
import { linkagePseudonym, SYMMETRIC_KEY_BYTES } from "./pseudonym";
import { sodium } from "./sodium";

const REKEY_LABEL = "kruispunt/rekey/v1";
const KEY_ID_LABEL = "kruispunt/linkage-key-id/v1";

/**
 * Moves a linkage pseudonym one key version forward with `nextKey` (the key of the
 * target version). Input and output: 64 lowercase hex characters.
 *
 * @throws CryptoError `KRP_ERR_BAD_KEY` / `KRP_ERR_BAD_INPUT` for a bad key or pseudonym.
 */
export function rekeyPseudonym(nextKey: Uint8Array, pseudonymHex: string): string {
  requireKeyLength(nextKey, SYMMETRIC_KEY_BYTES, "linkage key");
  const bytes = fromLowerHex(pseudonymHex, "linkage pseudonym", CryptoErrorCode.KRP_ERR_BAD_INPUT);
  if (bytes.length !== 32)
    throw new CryptoError(CryptoErrorCode.KRP_ERR_BAD_INPUT, "linkage pseudonym must be 32 bytes");
  return toHex(hmacSha256(nextKey, labelled(REKEY_LABEL, bytes)));
}

/** The ring's linkage keys ordered by version 1, 2, …; throws if a version is missing. */
export function linkageKeyChain(ring: Keyring): SymmetricKey[] {
  const keys = ring.keys
    .filter((k): k is SymmetricKey => k.purpose === "linkage")
    .sort((a, b) => a.version - b.version);
  keys.forEach((k, i) => {
    if (k.version !== i + 1)
      throw new KeyringError(
        CryptoErrorCode.KRP_ERR_KEYRING_FORMAT,
        `linkage key versions must run 1..n; version ${i + 1} is missing`,
      );
  });
  if (keys.length === 0)
    throw new KeyringError(
      CryptoErrorCode.KRP_ERR_KEYRING_MISSING_KEY,
      "keyring has no linkage key",
    );
  return keys;
}

/**
 * Identifies the chain of linkage keys up to `version` without revealing them: the
 * first 16 hex characters of SHA-256 over the SHA-256 of each key's label-prefixed
 * material. Pseudonyms compare only under equal key ids.
 */
export function linkageKeyId(ring: Keyring, version: number): string {
  const chain = linkageKeyChain(ring).slice(0, version);
  if (chain.length !== version)
    throw new KeyringError(
      CryptoErrorCode.KRP_ERR_KEYRING_MISSING_KEY,
      `keyring has no linkage key version ${version}`,
    );
  return sha256Hex(chain.map((k) => sha256Hex(labelled(KEY_ID_LABEL, k.key))).join("\n")).slice(
    0,
    16,
  );
}

/**
 * The linkage pseudonym of a canonical identifier at the ring's current linkage-key
 * version (or `version`): version 1 by `linkagePseudonym`, then `rekeyPseudonym`
 * with each later key.
 */
export function versionedLinkagePseudonym(
  ring: Keyring,
  scheme: string,
  canonical: string,
  version?: number,
): { pseudonym: string; keyVersion: number } {
  const chain = linkageKeyChain(ring);
  const target = version ?? chain.length;
  const first = chain[0] as SymmetricKey;
  let pseudonym = linkagePseudonym(first.key, scheme, canonical);
  for (const key of chain.slice(1, target)) pseudonym = rekeyPseudonym(key.key, pseudonym);
  return { pseudonym, keyVersion: target };
}

/**
 * Moves a pseudonym made at `fromVersion` to the ring's current version.
 * @throws KeyringError if `fromVersion` is not in 1..current.
 */
export function rekeyToCurrent(ring: Keyring, pseudonymHex: string, fromVersion: number): string {
  const chain = linkageKeyChain(ring);
  if (!Number.isInteger(fromVersion) || fromVersion < 1 || fromVersion > chain.length) {
    throw new KeyringError(
      CryptoErrorCode.KRP_ERR_KEYRING_MISSING_KEY,
      `keyring has no linkage key version ${fromVersion}`,
    );
  }
  let pseudonym = pseudonymHex;
  for (const key of chain.slice(fromVersion)) pseudonym = rekeyPseudonym(key.key, pseudonym);
  return pseudonym;
}

/** A copy of `ring` with a new random linkage key (libsodium CSPRNG) at the next version. */
export function rotateLinkageKey(ring: Keyring): Keyring {
  const next = currentKey(ring, "linkage").version + 1;
  const key: SymmetricKey = {
    purpose: "linkage",
    version: next,
    key: sodium().randombytes_buf(SYMMETRIC_KEY_BYTES),
    createdAt: new Date().toISOString(),
  };
  return { ...ring, keys: [...ring.keys, key] };
}
