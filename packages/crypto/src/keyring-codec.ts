/**
 * The on-disk JSON form of a keyring, and its strict validation.
 *
 * ```json
 * { "format": "kruispunt-keyring/1",
 *   "keys": [ { "purpose": "linkage", "version": 1, "createdAt": "…", "key": "<hex>" },
 *             { "purpose": "seal", "version": 1, "createdAt": "…",
 *               "publicKey": "<hex>", "secretKey": "<hex>" } ] }
 * ```
 * Key material is lowercase hex. Unknown fields are refused: a misspelt field must fail
 * loudly rather than silently drop a key.
 */
import { fromLowerHex, toHex } from "./bytes";
import { CryptoError, CryptoErrorCode, KeyringError } from "./errors";
import {
  isSymmetricKey,
  KEY_LENGTHS,
  KEYRING_FORMAT,
  type KeyPairKey,
  type Keyring,
  type SymmetricKey,
} from "./keyring-types";
import { sodium } from "./sodium";

function formatError(message: string): KeyringError {
  return new KeyringError(CryptoErrorCode.KRP_ERR_KEYRING_FORMAT, message);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyFields(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const field of Object.keys(obj)) {
    if (!allowed.includes(field)) throw formatError(`${where} has an unknown field`);
  }
}

function hexField(
  obj: Record<string, unknown>,
  field: string,
  bytes: number,
  where: string,
): Uint8Array {
  const value = obj[field];
  if (typeof value !== "string") throw formatError(`${where}.${field} must be a hex string`);
  let decoded: Uint8Array;
  try {
    decoded = fromLowerHex(value, `${where}.${field}`, CryptoErrorCode.KRP_ERR_KEYRING_FORMAT);
  } catch (err) {
    if (err instanceof CryptoError) throw formatError(err.message);
    throw err;
  }
  if (decoded.length !== bytes) throw formatError(`${where}.${field} must be ${bytes} bytes`);
  return decoded;
}

/** Refuses a key pair whose public key does not belong to its secret key. */
function checkPair(key: KeyPairKey, where: string): void {
  const s = sodium();
  const derived =
    key.purpose === "seal"
      ? s.crypto_scalarmult_base(key.secretKey)
      : // libsodium's Ed25519 secret key is seed || public key: recompute from the seed
        // rather than trusting the copy stored in its second half.
        s.crypto_sign_seed_keypair(key.secretKey.subarray(0, 32)).publicKey;
  const storedCopy = key.purpose === "signing" ? key.secretKey.subarray(32) : key.publicKey;
  if (!s.memcmp(derived, key.publicKey) || !s.memcmp(derived, storedCopy)) {
    throw formatError(`${where}: public key does not match the secret key`);
  }
}

function decodeKey(raw: unknown, index: number): SymmetricKey | KeyPairKey {
  const where = `keys[${index}]`;
  if (!isRecord(raw)) throw formatError(`${where} must be an object`);
  const { purpose, version, createdAt } = raw;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    throw formatError(`${where}.version must be a positive integer`);
  }
  if (typeof createdAt !== "string" || Number.isNaN(Date.parse(createdAt))) {
    throw formatError(`${where}.createdAt must be an ISO 8601 timestamp`);
  }
  switch (purpose) {
    case "linkage":
    case "release":
      onlyFields(raw, ["purpose", "version", "createdAt", "key"], where);
      return {
        purpose,
        version,
        createdAt,
        key: hexField(raw, "key", KEY_LENGTHS[purpose].key, where),
      };
    case "seal":
    case "signing": {
      onlyFields(raw, ["purpose", "version", "createdAt", "publicKey", "secretKey"], where);
      const sizes = KEY_LENGTHS[purpose];
      const key: KeyPairKey = {
        purpose,
        version,
        createdAt,
        publicKey: hexField(raw, "publicKey", sizes.publicKey, where),
        secretKey: hexField(raw, "secretKey", sizes.secretKey, where),
      };
      checkPair(key, where);
      return key;
    }
    default:
      throw formatError(`${where}.purpose must be linkage, release, seal or signing`);
  }
}

/**
 * Validates a parsed JSON value as a keyring: format tag, key shapes and lengths,
 * matching key pairs, and no duplicate (purpose, version).
 *
 * @throws KeyringError `KRP_ERR_KEYRING_FORMAT` naming the offending field, never its value.
 */
export function keyringFromJson(value: unknown): Keyring {
  if (!isRecord(value)) throw formatError("keyring must be a JSON object");
  onlyFields(value, ["format", "keys"], "keyring");
  if (value.format !== KEYRING_FORMAT)
    throw formatError(`keyring format must be ${KEYRING_FORMAT}`);
  if (!Array.isArray(value.keys)) throw formatError("keyring keys must be an array");
  const keys = value.keys.map(decodeKey);
  const seen = new Set<string>();
  for (const k of keys) {
    const id = `${k.purpose}:${k.version}`;
    if (seen.has(id))
      throw formatError(`keyring has two ${k.purpose} keys with version ${k.version}`);
    seen.add(id);
  }
  return { format: KEYRING_FORMAT, keys };
}

/**
 * Parses keyring JSON text.
 *
 * @throws KeyringError `KRP_ERR_KEYRING_FORMAT`. The JSON parser's own message is
 *   dropped on purpose: V8 quotes a slice of the input in it, which would be key material.
 */
export function parseKeyring(text: string): Keyring {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw formatError("keyring is not valid JSON");
  }
  return keyringFromJson(value);
}

/** The keyring as pretty-printed JSON with lowercase hex key material (see module doc). */
export function serialiseKeyring(ring: Keyring): string {
  const keys = ring.keys.map((k) =>
    isSymmetricKey(k)
      ? { purpose: k.purpose, version: k.version, createdAt: k.createdAt, key: toHex(k.key) }
      : {
          purpose: k.purpose,
          version: k.version,
          createdAt: k.createdAt,
          publicKey: toHex(k.publicKey),
          secretKey: toHex(k.secretKey),
        },
  );
  return `${JSON.stringify({ format: ring.format, keys }, null, 2)}\n`;
}
