/**
 * The blind mode's keys on disk, beside the services' keyrings in the keys directory.
 * Kept apart from @kruispunt/crypto's keyrings so that keyed mode is untouched:
 *
 * - `pseudonymiser.blind.json` (0600, pseudonymiser only): the reshuffle scalar k;
 * - `linker.blind.json` (0600, linker only): the ElGamal secret x and the linker's
 *   linkage HMAC key;
 * - `linker.elgamal.pub` (0644, agencies and intake): PK = x·B, hex.
 *
 * Key ids are public: they tell which keys made a pseudonym without revealing them.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { generateElGamalKeyPair, generateReshuffleScalar } from "./elgamal";
import { BlindError, BlindErrorCode } from "./errors";
import { isValidElement, requireScalar, scalarMultBase } from "./group";

/** The format tag of both blind key files. */
export const BLIND_KEYS_FORMAT = "kruispunt-blind-keys/1";
/** The key version stamped on blind pseudonyms (blind keys do not rotate yet). */
export const BLIND_KEY_VERSION = 1;

/** Paths of the blind key files in `keysDir`. */
export function blindKeyFiles(keysDir: string) {
  return {
    pseudonymiser: `${keysDir}/pseudonymiser.blind.json`,
    linker: `${keysDir}/linker.blind.json`,
    linkerElGamalPublic: `${keysDir}/linker.elgamal.pub`,
  };
}

/** The pseudonymiser's blind key: k, and its public id (hash of k·B). */
export interface PseudonymiserBlindKeys {
  reshuffleScalar: Uint8Array;
  reshuffleKeyId: string;
}

/** The linker's blind keys: x, PK = x·B, and the 32-byte linkage HMAC key. */
export interface LinkerBlindKeys {
  elgamalSecretKey: Uint8Array;
  elgamalPublicKey: Uint8Array;
  linkageKey: Uint8Array;
}

const sha256Hex = (...parts: (string | Uint8Array)[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
};

/** 16 hex characters identifying k through k·B (a public value: it reveals nothing of k). */
export function reshuffleKeyId(k: Uint8Array): string {
  return sha256Hex("kruispunt/blind-reshuffle-key-id/v1\u0000", scalarMultBase(k)).slice(0, 16);
}

/**
 * The key id stamped on blind linkage pseudonyms: "blind-" + 16 hex of SHA-256 over the
 * reshuffle key id and the hash of the linker's linkage key. The prefix keeps it apart
 * from every keyed-mode id (16 bare hex characters), so blind and keyed pseudonyms never
 * compare; a new k or a new linkage key gives a new id.
 */
export function blindPseudonymKeyId(reshuffleId: string, linkageKey: Uint8Array): string {
  const linkageHash = sha256Hex("kruispunt/blind-linkage-key-id/v1\u0000", linkageKey);
  return `blind-${sha256Hex("kruispunt/blind-key-id/v1\u0000", reshuffleId, "\u0000", linkageHash).slice(0, 16)}`;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function readJson(path: string, what: string): Record<string, unknown> {
  const mode = statSync(path).mode & 0o077;
  if (mode !== 0) {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_BAD_KEY,
      `${what} must not be readable by group or others`,
    );
  }
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    if (parsed.format !== BLIND_KEYS_FORMAT) throw new Error("format");
    return parsed;
  } catch {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_BAD_KEY,
      `${what} is not a ${BLIND_KEYS_FORMAT} file`,
    );
  }
}

function hexField(obj: Record<string, unknown>, field: string, what: string): Uint8Array {
  const value = obj[field];
  if (typeof value !== "string" || !/^[0-9a-f]{64}$/.test(value)) {
    // Name the field, never its value: it is key material.
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_BAD_KEY,
      `${what}: ${field} must be 64 lowercase hex characters`,
    );
  }
  return new Uint8Array(Buffer.from(value, "hex"));
}

/**
 * Creates whichever blind key files are missing in `keysDir` (never replaces one);
 * returns the paths created. Needs `blindReady()`.
 */
export function ensureBlindKeys(keysDir: string): string[] {
  const files = blindKeyFiles(keysDir);
  const created: string[] = [];
  const createdAt = new Date().toISOString();
  if (!existsSync(files.pseudonymiser)) {
    const body = {
      format: BLIND_KEYS_FORMAT,
      version: BLIND_KEY_VERSION,
      createdAt,
      reshuffleScalar: hex(generateReshuffleScalar()),
    };
    writeFileSync(files.pseudonymiser, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    chmodSync(files.pseudonymiser, 0o600);
    created.push(files.pseudonymiser);
  }
  if (!existsSync(files.linker)) {
    const pair = generateElGamalKeyPair();
    const body = {
      format: BLIND_KEYS_FORMAT,
      version: BLIND_KEY_VERSION,
      createdAt,
      elgamalSecretKey: hex(pair.secretKey),
      linkageKey: hex(new Uint8Array(randomBytes(32))),
    };
    writeFileSync(files.linker, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    chmodSync(files.linker, 0o600);
    writeFileSync(files.linkerElGamalPublic, `${hex(pair.publicKey)}\n`, { mode: 0o644 });
    created.push(files.linker, files.linkerElGamalPublic);
  }
  return created;
}

/**
 * The pseudonymiser's blind key, or null if `pseudonymiser.blind.json` does not exist.
 * @throws BlindError `KRP_ERR_BLIND_BAD_KEY` if the file is too open or malformed.
 */
export function readPseudonymiserBlindKeys(keysDir: string): PseudonymiserBlindKeys | null {
  const path = blindKeyFiles(keysDir).pseudonymiser;
  if (!existsSync(path)) return null;
  const k = hexField(
    readJson(path, "pseudonymiser.blind.json"),
    "reshuffleScalar",
    "pseudonymiser.blind.json",
  );
  requireScalar(k, "reshuffle scalar");
  return { reshuffleScalar: k, reshuffleKeyId: reshuffleKeyId(k) };
}

/**
 * The linker's blind keys, or null if `linker.blind.json` does not exist.
 * @throws BlindError `KRP_ERR_BLIND_BAD_KEY` if the file is too open or malformed.
 */
export function readLinkerBlindKeys(keysDir: string): LinkerBlindKeys | null {
  const path = blindKeyFiles(keysDir).linker;
  if (!existsSync(path)) return null;
  const body = readJson(path, "linker.blind.json");
  const x = hexField(body, "elgamalSecretKey", "linker.blind.json");
  requireScalar(x, "ElGamal secret key");
  return {
    elgamalSecretKey: x,
    elgamalPublicKey: scalarMultBase(x),
    linkageKey: hexField(body, "linkageKey", "linker.blind.json"),
  };
}

/**
 * The linker's ElGamal public key PK from `linker.elgamal.pub` (what agencies encrypt to).
 * @throws BlindError `KRP_ERR_BLIND_BAD_KEY` if missing or not a valid element.
 */
export function readLinkerElGamalPublicKey(keysDir: string): Uint8Array {
  const path = blindKeyFiles(keysDir).linkerElGamalPublic;
  if (!existsSync(path)) {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_BAD_KEY,
      "linker.elgamal.pub is missing (run kruispunt keys init)",
    );
  }
  const text = readFileSync(path, "utf8").trim();
  const pk = new Uint8Array(Buffer.from(/^[0-9a-f]{64}$/.test(text) ? text : "", "hex"));
  if (!isValidElement(pk)) {
    throw new BlindError(
      BlindErrorCode.KRP_ERR_BLIND_BAD_KEY,
      "linker.elgamal.pub is not a ristretto255 public key",
    );
  }
  return pk;
}
