/**
 * PPRL encoding in the pseudonymiser (issue 5): the quasi-identifiers arrive sealed
 * beside the identifier; they are opened here, normalised and encoded into keyed
 * field-level Bloom filters (CLK) and keyed blocking keys by packages/pprl, and
 * forgotten. Only the wire encoding travels on to the linker.
 */
import type { PprlEncodingMessage, SourceRecord } from "@kruispunt/contracts";
import type { BatchOpener, SymmetricKey } from "@kruispunt/crypto";
import { Encoder, PERSON_SCHEMA_V1, pprlKeyFromLinkageKey, toWire } from "@kruispunt/pprl";

/**
 * The encoder of linkage key `linkage`: PPRL key HMAC-SHA-256(linkage key,
 * "kruispunt/pprl-key/v1"), carrying the linkage key's version, schema
 * kruispunt-person/v1. Rotating the linkage key therefore rotates the encodings.
 */
export function encoderFor(linkage: SymmetricKey): Encoder {
  return new Encoder(pprlKeyFromLinkageKey(linkage.key), linkage.version, PERSON_SCHEMA_V1);
}

/** Why a record's quasi-identifiers could not be encoded (a dead-letter code). */
export type EncodeFailure = "KRP_ERR_SEAL_OPEN_FAILED" | "KRP_ERR_BAD_QUASI_IDENTIFIERS";

/**
 * The PPRL encoding of `record`'s sealed quasi-identifiers: null when it has none,
 * else `{pprl}` or `{failure}` (sealed value that does not open under AD
 * "agency/dataset/id#qi", or that is not a JSON object of strings). Never returns or
 * throws with a value.
 */
export function encodeQuasiIdentifiers(
  record: SourceRecord,
  opener: BatchOpener,
  encoder: Encoder,
): { pprl: PprlEncodingMessage } | { failure: EncodeFailure } | null {
  const sealed = record.sealedQuasiIdentifiers;
  if (!sealed?.ciphertext) return null;
  let json: string;
  try {
    json = opener.open(sealed, `${record.agency}/${record.dataset}/${record.sourceRecordId}#qi`);
  } catch {
    return { failure: "KRP_ERR_SEAL_OPEN_FAILED" };
  }
  let values: unknown;
  try {
    values = JSON.parse(json);
  } catch {
    return { failure: "KRP_ERR_BAD_QUASI_IDENTIFIERS" };
  }
  if (
    typeof values !== "object" ||
    values === null ||
    Array.isArray(values) ||
    !Object.values(values).every((v) => typeof v === "string")
  )
    return { failure: "KRP_ERR_BAD_QUASI_IDENTIFIERS" };
  const wire = toWire(encoder.encode(values as Record<string, string>));
  return { pprl: { ...wire, filters: wire.filters } };
}
