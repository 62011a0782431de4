/**
 * Shapes of keyrings and their keys (see keyring.ts for the operations).
 */

/** What a key is for. */
export type KeyPurpose = "linkage" | "release" | "seal" | "signing";
/** Purposes whose key is a single 32-byte secret. */
export type SymmetricPurpose = "linkage" | "release";
/** Purposes whose key is a public/secret key pair. */
export type KeyPairPurpose = "seal" | "signing";

/** A 32-byte secret key; `createdAt` is an ISO 8601 UTC timestamp. */
export interface SymmetricKey {
  purpose: SymmetricPurpose;
  version: number;
  key: Uint8Array;
  createdAt: string;
}

/**
 * A key pair. `seal`: X25519, 32-byte public and secret keys. `signing`: Ed25519,
 * 32-byte public key and libsodium's 64-byte secret key (seed || public key).
 */
export interface KeyPairKey {
  purpose: KeyPairPurpose;
  version: number;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  createdAt: string;
}

/** The format tag of keyrings, in memory and on disk. */
export const KEYRING_FORMAT = "kruispunt-keyring/1";

/** A set of versioned keys. At most one key per (purpose, version). */
export interface Keyring {
  format: typeof KEYRING_FORMAT;
  keys: (SymmetricKey | KeyPairKey)[];
}

/** The key type {@link currentKey} returns for a purpose. */
export type KeyForPurpose<P extends KeyPurpose> = P extends SymmetricPurpose
  ? SymmetricKey & { purpose: P }
  : KeyPairKey & { purpose: P };

/** Whether a key of the keyring is a symmetric key (narrowing helper). */
export function isSymmetricKey(key: SymmetricKey | KeyPairKey): key is SymmetricKey {
  return key.purpose === "linkage" || key.purpose === "release";
}

/** Expected byte lengths of key material per purpose (libsodium constants). */
export const KEY_LENGTHS = {
  linkage: { key: 32 },
  release: { key: 32 },
  seal: { publicKey: 32, secretKey: 32 }, // crypto_box_PUBLICKEYBYTES / _SECRETKEYBYTES
  signing: { publicKey: 32, secretKey: 64 }, // crypto_sign_PUBLICKEYBYTES / _SECRETKEYBYTES
} as const;
