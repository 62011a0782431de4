/**
 * Keyrings: the versioned keys of one Kruispunt deployment, by purpose.
 *
 * - `linkage`: 32-byte HMAC key for linkage pseudonyms (inside Kruispunt only);
 * - `release`: 32-byte master key from which per-project keys are derived;
 * - `seal`: X25519 key pair (`crypto_box_keypair`) agencies seal identifiers to;
 * - `signing`: Ed25519 key pair (`crypto_sign_keypair`) for signing releases/audit.
 *
 * Rotation adds a higher version; {@link currentKey} picks the highest. File storage
 * lives in keyring-file.ts and is re-exported here.
 */
import { CryptoError, CryptoErrorCode, KeyringError } from "./errors";
import { sha256Hex } from "./hash";
import {
  isSymmetricKey,
  KEYRING_FORMAT,
  type KeyForPurpose,
  type KeyPairKey,
  type KeyPurpose,
  type Keyring,
  type SymmetricKey,
} from "./keyring-types";
import { SYMMETRIC_KEY_BYTES } from "./pseudonym";
import { sodium } from "./sodium";

export { readKeyring, type WriteKeyringOptions, writeKeyring } from "./keyring-file";
export {
  isSymmetricKey,
  KEYRING_FORMAT,
  type KeyForPurpose,
  type KeyPairKey,
  type KeyPairPurpose,
  type KeyPurpose,
  type Keyring,
  type SymmetricKey,
  type SymmetricPurpose,
} from "./keyring-types";

const ALL_PURPOSES: readonly KeyPurpose[] = ["linkage", "release", "seal", "signing"];
const KEY_HEX = /^[0-9a-fA-F]{64}$/;

function newKey(purpose: KeyPurpose, createdAt: string): SymmetricKey | KeyPairKey {
  const s = sodium();
  switch (purpose) {
    case "linkage":
    case "release":
      return { purpose, version: 1, key: s.randombytes_buf(SYMMETRIC_KEY_BYTES), createdAt };
    case "seal":
    case "signing": {
      const pair = purpose === "seal" ? s.crypto_box_keypair() : s.crypto_sign_keypair();
      return {
        purpose,
        version: 1,
        publicKey: pair.publicKey,
        secretKey: pair.privateKey,
        createdAt,
      };
    }
    default:
      throw new CryptoError(CryptoErrorCode.KRP_ERR_BAD_INPUT, "unknown key purpose");
  }
}

/**
 * Generates a keyring with one fresh version-1 key per purpose (duplicates in
 * `purposes` are ignored), from libsodium's CSPRNG.
 *
 * @throws CryptoError `KRP_ERR_BAD_INPUT` for a purpose that is not a {@link KeyPurpose};
 *   `KRP_ERR_CRYPTO_NOT_READY` before `cryptoReady()`.
 */
export function generateKeyring(purposes: KeyPurpose[]): Keyring {
  const createdAt = new Date().toISOString();
  const unique = [...new Set(purposes)];
  for (const p of unique) {
    if (!ALL_PURPOSES.includes(p)) {
      throw new CryptoError(CryptoErrorCode.KRP_ERR_BAD_INPUT, "unknown key purpose");
    }
  }
  return { format: KEYRING_FORMAT, keys: unique.map((p) => newKey(p, createdAt)) };
}

function keyFromHex(hex: string, what: string): Uint8Array {
  if (typeof hex !== "string" || !KEY_HEX.test(hex)) {
    // Never quote the value: it is (possibly mistyped) key material.
    throw new KeyringError(
      CryptoErrorCode.KRP_ERR_BAD_KEY,
      `${what} must be 64 hex characters (32 bytes)`,
    );
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/**
 * Builds a keyring from existing secrets (e.g. from a secrets manager): a version-1
 * `linkage` key and, if given, a version-1 `release` key. Hex may be upper or lower case.
 *
 * @throws KeyringError `KRP_ERR_BAD_KEY` if a value is not 64 hex characters; the
 *   message names the option, never its value.
 */
export function importKeyring(opts: { linkageKeyHex: string; releaseKeyHex?: string }): Keyring {
  const createdAt = new Date().toISOString();
  const keys: SymmetricKey[] = [
    {
      purpose: "linkage",
      version: 1,
      key: keyFromHex(opts.linkageKeyHex, "linkageKeyHex"),
      createdAt,
    },
  ];
  if (opts.releaseKeyHex !== undefined) {
    keys.push({
      purpose: "release",
      version: 1,
      key: keyFromHex(opts.releaseKeyHex, "releaseKeyHex"),
      createdAt,
    });
  }
  return { format: KEYRING_FORMAT, keys };
}

/**
 * The highest-version key of `purpose` (the one to use for new work; older versions
 * stay in the ring to read old data). The returned object is the ring's own: do not
 * mutate it.
 *
 * @throws KeyringError `KRP_ERR_KEYRING_MISSING_KEY` if the ring has no such key.
 */
export function currentKey<P extends KeyPurpose>(ring: Keyring, purpose: P): KeyForPurpose<P> {
  let best: SymmetricKey | KeyPairKey | undefined;
  for (const k of ring.keys) {
    if (k.purpose === purpose && (best === undefined || k.version > best.version)) best = k;
  }
  if (best === undefined) {
    throw new KeyringError(
      CryptoErrorCode.KRP_ERR_KEYRING_MISSING_KEY,
      `keyring has no ${purpose} key`,
    );
  }
  return best as KeyForPurpose<P>;
}

/**
 * A copy of the current public key for `seal` (X25519, 32 bytes, given to agencies)
 * or `signing` (Ed25519, 32 bytes, given to verifiers).
 *
 * @throws KeyringError `KRP_ERR_KEYRING_MISSING_KEY` if the ring has no such key.
 */
export function publicKeyOf(ring: Keyring, purpose: "seal" | "signing"): Uint8Array {
  return currentKey(ring, purpose).publicKey.slice();
}

/**
 * A short public identifier of a keyring's contents: the first 16 hex characters of
 * SHA-256 over a canonical listing, one line `purpose:version:sha256hex(material)\n` per
 * key, sorted by purpose then version. Material is the key, or public key || secret key
 * for pairs. `createdAt` is left out so re-importing the same secrets keeps the
 * fingerprint. Only hashes of key material enter, so the fingerprint reveals no key;
 * it is stamped on pseudonymised records to tell which keys produced them.
 */
export function keyringFingerprint(ring: Keyring): string {
  const lines = ring.keys.map((k) => {
    const material = isSymmetricKey(k) ? k.key : concat(k.publicKey, k.secretKey);
    return {
      purpose: k.purpose,
      version: k.version,
      line: `${k.purpose}:${k.version}:${sha256Hex(material)}\n`,
    };
  });
  lines.sort((a, b) =>
    a.purpose === b.purpose ? a.version - b.version : a.purpose < b.purpose ? -1 : 1,
  );
  return sha256Hex(lines.map((l) => l.line).join("")).slice(0, 16);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
