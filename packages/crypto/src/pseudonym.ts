/**
 * Linkage pseudonyms (one per person and scheme, inside Kruispunt) and project
 * pseudonyms (one per person and research project, released outside).
 *
 * Both are keyed hashes, never plain hashes: identifier spaces like the INSZ are small
 * enough (~10^11) to brute-force a plain hash. Every input is laid out as
 * `label || 0x00 || data` (see `labelled`), so no two purposes can produce the same MAC
 * input.
 */

import { createHmac } from "node:crypto";
import { fromLowerHex, labelled, labelledTextView, requireKeyLength, toHex } from "./bytes";
import { CryptoError, CryptoErrorCode } from "./errors";
import { hmacSha256 } from "./hash";

/** Key length for linkage and release master keys: HMAC-SHA-256's output size. */
export const SYMMETRIC_KEY_BYTES = 32;

const PROJECT_KEY_LABEL = "kruispunt/project-key/v1";
const PROJECT_PSEUDONYM_LABEL = "kruispunt/project-pseudonym/v1";
const PSEUDONYM_HEX = /^[0-9a-f]{64}$/;

/**
 * The linkage pseudonym of a canonical identifier:
 * lowercase hex of HMAC-SHA-256(linkageKey, UTF-8(scheme) || 0x00 || UTF-8(canonical)).
 *
 * The scheme name is part of the input so that the same digits under two schemes
 * (an INSZ and a local number) never link.
 *
 * @param linkageKey 32 bytes (the keyring's current `linkage` key).
 * @param scheme identifier scheme name, e.g. `"be-insz"`; non-empty, no NUL.
 * @param canonical the identifier as returned by the scheme's `validate`.
 * @returns 64 lowercase hex characters.
 * @throws CryptoError `KRP_ERR_BAD_KEY` for a key that is not 32 bytes,
 *   `KRP_ERR_BAD_INPUT` for an empty or NUL-containing scheme name.
 */
export function linkagePseudonym(
  linkageKey: Uint8Array,
  scheme: string,
  canonical: string,
): string {
  requireKeyLength(linkageKey, SYMMETRIC_KEY_BYTES, "linkage key");
  // A NUL in the scheme would make `scheme || 0x00 || canonical` ambiguous.
  if (scheme === "" || scheme.includes("\u0000")) {
    throw new CryptoError(
      CryptoErrorCode.KRP_ERR_BAD_INPUT,
      "scheme name must be non-empty, without NUL",
    );
  }
  // The same bytes as labelled(scheme, utf8Bytes(canonical)), without the two copies.
  return toHex(hmacSha256(linkageKey, labelledTextView(scheme, canonical)));
}

/**
 * Derives the per-project key:
 * HMAC-SHA-256(releaseMasterKey, UTF-8("kruispunt/project-key/v1") || 0x00 || UTF-8(projectId)).
 *
 * HMAC as a PRF keyed by the master key (the HKDF-Expand idea of RFC 5869, in one block):
 * a project key reveals nothing about the master key or other projects' keys.
 *
 * @param releaseMasterKey 32 bytes (the keyring's current `release` key).
 * @param projectId non-empty project identifier.
 * @returns a fresh 32-byte key.
 * @throws CryptoError `KRP_ERR_BAD_KEY` for a master key that is not 32 bytes,
 *   `KRP_ERR_BAD_INPUT` for an empty project id.
 */
export function deriveProjectKey(releaseMasterKey: Uint8Array, projectId: string): Uint8Array {
  requireKeyLength(releaseMasterKey, SYMMETRIC_KEY_BYTES, "release master key");
  if (projectId === "") {
    throw new CryptoError(CryptoErrorCode.KRP_ERR_BAD_INPUT, "project id must be non-empty");
  }
  return hmacSha256(releaseMasterKey, labelledTextView(PROJECT_KEY_LABEL, projectId));
}

/**
 * The project pseudonym of a linkage pseudonym:
 * lowercase hex of HMAC-SHA-256(projectKey, UTF-8("kruispunt/project-pseudonym/v1") || 0x00
 * || the 32 bytes of the hex-decoded linkage pseudonym).
 *
 * Different projects get unlinkable pseudonyms for the same person; the same project
 * always gets the same one.
 *
 * @param projectKey 32 bytes, from {@link deriveProjectKey}.
 * @param linkagePseudonymHex 64 lowercase hex characters, from {@link linkagePseudonym}.
 * @returns 64 lowercase hex characters.
 * @throws CryptoError `KRP_ERR_BAD_KEY` for a key that is not 32 bytes,
 *   `KRP_ERR_BAD_INPUT` if the pseudonym is not 64 lowercase hex characters.
 */
export function projectPseudonym(projectKey: Uint8Array, linkagePseudonymHex: string): string {
  requireKeyLength(projectKey, SYMMETRIC_KEY_BYTES, "project key");
  if (!PSEUDONYM_HEX.test(linkagePseudonymHex)) {
    throw new CryptoError(
      CryptoErrorCode.KRP_ERR_BAD_INPUT,
      "linkage pseudonym must be 64 lowercase hex characters",
    );
  }
  const pseudonymBytes = fromLowerHex(
    linkagePseudonymHex,
    "linkage pseudonym",
    CryptoErrorCode.KRP_ERR_BAD_INPUT,
  );
  return toHex(hmacSha256(projectKey, labelled(PROJECT_PSEUDONYM_LABEL, pseudonymBytes)));
}

/**
 * {@link projectPseudonym} for many linkage pseudonyms under one project key: returns a
 * function giving exactly its output at about half the CPU time per pseudonym (2.7 µs
 * against 5–6 µs measured), for the million persons of an extract. It is the same
 * HMAC-SHA-256 over the same message, computed by node:crypto (OpenSSL) into one reused
 * message buffer rather than by libsodium's wasm, whose wrapper copies and allocates on
 * every call. The known-answer and property tests hold it to projectPseudonym.
 *
 * @param projectKey 32 bytes, from {@link deriveProjectKey}; copied, so the caller may
 *   wipe theirs.
 * @returns `(linkagePseudonymHex) => projectPseudonymHex`, 64 lowercase hex characters
 *   in and out; it throws CryptoError `KRP_ERR_BAD_INPUT` as projectPseudonym does.
 * @throws CryptoError `KRP_ERR_BAD_KEY` for a key that is not 32 bytes.
 */
export function projectPseudonymizer(
  projectKey: Uint8Array,
): (linkagePseudonymHex: string) => string {
  requireKeyLength(projectKey, SYMMETRIC_KEY_BYTES, "project key");
  const key = Buffer.from(projectKey);
  const label = Buffer.from(`${PROJECT_PSEUDONYM_LABEL}\u0000`, "utf8");
  const message = Buffer.alloc(label.length + 32);
  label.copy(message);
  return (linkagePseudonymHex: string): string => {
    if (!PSEUDONYM_HEX.test(linkagePseudonymHex)) {
      throw new CryptoError(
        CryptoErrorCode.KRP_ERR_BAD_INPUT,
        "linkage pseudonym must be 64 lowercase hex characters",
      );
    }
    message.write(linkagePseudonymHex, label.length, "hex");
    return createHmac("sha256", key).update(message).digest("hex");
  };
}
