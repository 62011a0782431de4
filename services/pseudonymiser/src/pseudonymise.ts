/**
 * The pseudonymiser's Kafka handler: opens each sealed identifier, validates it
 * again under its scheme (the pseudonymiser trusts no one), replaces it by the
 * linkage pseudonym HMAC-SHA-256(linkage key, scheme ‖ 0x00 ‖ canonical identifier)
 * (moved forward through later key versions, see packages/crypto rotation.ts) and
 * forgets it. Blind-mode records (ciphertext instead of a sealed identifier) are only
 * reshuffled with the scalar k, in one call per batch: the pseudonymiser sees neither
 * the identifier nor the pseudonym. Sealed quasi-identifiers (keyed mode) are opened
 * and replaced by their PPRL encoding (encode-quasi-identifiers.ts). A record that
 * arrives without an identifier (missing_identifier: its contract links such records
 * probabilistically) gets a record pseudonym (packages/crypto record-pseudonym.ts) and
 * must carry an encoding. Records that cannot be processed go to the dead-letter topic
 * with a reason code, never with the identifier.
 */
import {
  BLIND_KEY_VERSION,
  type PseudonymiserBlindKeys,
  reshuffleCiphertexts,
} from "@kruispunt/blind";
import type { BusMessage } from "@kruispunt/bus";
import {
  decodeEvent,
  encodeEvent,
  type PprlEncodingMessage,
  type SourceRecord,
} from "@kruispunt/contracts";
import {
  type BatchOpener,
  type Keyring,
  openSealedIdentifier,
  recordPseudonym,
  versionedLinkagePseudonym,
} from "@kruispunt/crypto";
import { getScheme } from "@kruispunt/identifiers";
import type { Encoder } from "@kruispunt/pprl";
import { encodeQuasiIdentifiers } from "./encode-quasi-identifiers";

export interface PseudonymiserKeys {
  ring: Keyring;
  linkageKeyVersion: number;
  /** linkageKeyId(ring, linkageKeyVersion): pseudonyms compare only under equal ids. */
  keyId: string;
  keyringFingerprint: string;
  sealPublicKey: Uint8Array;
  sealSecretKey: Uint8Array;
  /**
   * PPRL encoder under the current linkage key (encode-quasi-identifiers.ts); without
   * it a record with sealed quasi-identifiers is refused (KRP_ERR_PPRL_KEY_MISSING).
   */
  encoder?: Encoder;
}

export interface DeadLetter {
  agency: string;
  dataset: string;
  sourceRecordId: string;
  code: string;
  topic: string;
  partition: number;
  offset: string;
}

export interface BatchOutcome {
  pseudonymised: { key: string; value: Uint8Array }[];
  deadLetters: DeadLetter[];
  /**
   * Per agency/dataset: records pseudonymised (`noIdentifier` of them under a record
   * pseudonym, without an identifier), refused and withdrawn, for the audit trail.
   */
  counts: Map<string, BatchCounts>;
}

export type BatchCounts = {
  pseudonymised: number;
  noIdentifier: number;
  refused: number;
  withdrawn: number;
};

/**
 * Reshuffles the batch's blind ciphertexts (base64url c1 ‖ c2) in one call; by index, the
 * reshuffled ciphertext (base64url) or null for one that is not two valid points. Only
 * if the batch call refuses one are they redone one by one to find which.
 */
function reshuffleAll(
  ciphertexts: Map<number, string>,
  blind: PseudonymiserBlindKeys,
): Map<number, string | null> {
  const out = new Map<number, string | null>();
  const indices = [...ciphertexts.keys()];
  const bytes = indices.map(
    (i) => new Uint8Array(Buffer.from(ciphertexts.get(i) ?? "", "base64url")),
  );
  const encode = (b: Uint8Array) => Buffer.from(b).toString("base64url");
  try {
    reshuffleCiphertexts(blind.reshuffleScalar, bytes).forEach((r, j) =>
      out.set(indices[j] as number, encode(r)),
    );
  } catch {
    indices.forEach((i, j) => {
      try {
        out.set(
          i,
          encode(
            reshuffleCiphertexts(blind.reshuffleScalar, [bytes[j] as Uint8Array])[0] as Uint8Array,
          ),
        );
      } catch {
        out.set(i, null);
      }
    });
  }
  return out;
}

/**
 * A record without an identifier: its record pseudonym and its PPRL encoding, or why
 * it is refused — it carries an identifier after all, or a blind ciphertext
 * (KRP_ERR_UNEXPECTED_IDENTIFIER: it must be one or the other), or no quasi-identifiers
 * to be linked on (KRP_ERR_NOTHING_TO_LINK), or they fail to encode.
 */
function withoutIdentifier(
  record: SourceRecord,
  keys: PseudonymiserKeys,
  opener: BatchOpener,
): { pseudonym: string; pprl: PprlEncodingMessage } | { failure: string } {
  if (record.batchSealed?.ciphertext || record.sealedIdentifier || record.blindCiphertext)
    return { failure: "KRP_ERR_UNEXPECTED_IDENTIFIER" };
  if (!record.sealedQuasiIdentifiers?.ciphertext) return { failure: "KRP_ERR_NOTHING_TO_LINK" };
  if (!keys.encoder) return { failure: "KRP_ERR_PPRL_KEY_MISSING" };
  const encoded = encodeQuasiIdentifiers(record, opener, keys.encoder);
  if (!encoded) return { failure: "KRP_ERR_NOTHING_TO_LINK" };
  if ("failure" in encoded) return encoded;
  const { pseudonym } = recordPseudonym(keys.ring, record, keys.linkageKeyVersion);
  return { pseudonym, pprl: encoded.pprl };
}

/**
 * Pseudonymises one batch of records.intake messages. Pure apart from the keys.
 * `blind` is the reshuffle key; without it blind-mode records are refused
 * (`KRP_ERR_BLIND_KEYS_MISSING`).
 */
export function pseudonymiseBatch(
  messages: BusMessage[],
  keys: PseudonymiserKeys,
  opener: BatchOpener,
  blind: PseudonymiserBlindKeys | null = null,
): BatchOutcome {
  const outcome: BatchOutcome = { pseudonymised: [], deadLetters: [], counts: new Map() };
  const decoded = messages.map((message) => {
    try {
      return decodeEvent("SourceRecord", message.value);
    } catch {
      return null;
    }
  });
  const blindInputs = new Map<number, string>();
  decoded.forEach((r, i) => {
    if (r && !r.withdrawn && r.blindCiphertext) blindInputs.set(i, r.blindCiphertext);
  });
  const reshuffled = blind && blindInputs.size > 0 ? reshuffleAll(blindInputs, blind) : new Map();
  for (const [index, message] of messages.entries()) {
    const record = decoded[index];
    if (!record) {
      outcome.deadLetters.push({
        agency: "",
        dataset: "",
        sourceRecordId: "",
        code: "KRP_ERR_UNDECODABLE",
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
      });
      continue;
    }
    const object = `${record.agency}/${record.dataset}`;
    const counts = outcome.counts.get(object) ?? {
      pseudonymised: 0,
      noIdentifier: 0,
      refused: 0,
      withdrawn: 0,
    };
    outcome.counts.set(object, counts);
    const refuse = (code: string) => {
      counts.refused += 1;
      outcome.deadLetters.push({
        agency: record.agency,
        dataset: record.dataset,
        sourceRecordId: record.sourceRecordId,
        code,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
      });
    };
    let pseudonym = "";
    let pprl: PprlEncodingMessage | null = null;
    if (record.withdrawn) {
      counts.withdrawn += 1;
    } else if (record.missingIdentifier) {
      const linked = withoutIdentifier(record, keys, opener);
      if ("failure" in linked) {
        refuse(linked.failure);
        continue;
      }
      ({ pseudonym, pprl } = linked);
      counts.pseudonymised += 1;
      counts.noIdentifier += 1;
    } else if (record.blindCiphertext) {
      if (!blind) {
        refuse("KRP_ERR_BLIND_KEYS_MISSING");
        continue;
      }
      const shuffled = reshuffled.get(index);
      if (!shuffled) {
        refuse("KRP_ERR_BLIND_INVALID_CIPHERTEXT");
        continue;
      }
      counts.pseudonymised += 1;
      outcome.pseudonymised.push({
        // No pseudonym exists here: key by record, the linker re-partitions nothing.
        key: `${record.agency}/${record.dataset}/${record.sourceRecordId}`,
        value: encodeEvent("PseudonymisedRecord", {
          agency: record.agency,
          dataset: record.dataset,
          sourceRecordId: record.sourceRecordId,
          version: record.version,
          linkagePseudonym: "",
          keyVersion: BLIND_KEY_VERSION,
          keyringFingerprint: keys.keyringFingerprint,
          variables: record.variables,
          uploadId: record.uploadId,
          withdrawn: false,
          keyId: blind.reshuffleKeyId,
          reshuffledCiphertext: shuffled,
        }),
      });
      continue;
    } else {
      let canonical: string;
      try {
        // Batch-sealed (intake, agency clients) or sealed one by one (older producers).
        canonical = record.batchSealed?.ciphertext
          ? opener.open(
              record.batchSealed,
              `${record.agency}/${record.dataset}/${record.sourceRecordId}`,
            )
          : openSealedIdentifier(keys.sealPublicKey, keys.sealSecretKey, record.sealedIdentifier);
      } catch {
        refuse("KRP_ERR_SEAL_OPEN_FAILED");
        continue;
      }
      let scheme: ReturnType<typeof getScheme>;
      try {
        scheme = getScheme(record.scheme);
      } catch {
        refuse("KRP_ERR_UNKNOWN_SCHEME");
        continue;
      }
      const validation = scheme.validate(canonical);
      if (!validation.ok) {
        refuse(validation.refusal.code);
        continue;
      }
      const encoded = keys.encoder
        ? encodeQuasiIdentifiers(record, opener, keys.encoder)
        : record.sealedQuasiIdentifiers?.ciphertext
          ? { failure: "KRP_ERR_PPRL_KEY_MISSING" as const }
          : null;
      if (encoded && "failure" in encoded) {
        refuse(encoded.failure);
        continue;
      }
      pprl = encoded?.pprl ?? null;
      pseudonym = versionedLinkagePseudonym(
        keys.ring,
        scheme.name,
        validation.canonical,
        keys.linkageKeyVersion,
      ).pseudonym;
      counts.pseudonymised += 1;
    }
    outcome.pseudonymised.push({
      // Keyed by linkage pseudonym so one person's records meet in one linker partition.
      key: pseudonym || `${record.agency}/${record.dataset}/${record.sourceRecordId}`,
      value: encodeEvent("PseudonymisedRecord", {
        agency: record.agency,
        dataset: record.dataset,
        sourceRecordId: record.sourceRecordId,
        version: record.version,
        linkagePseudonym: pseudonym,
        keyVersion: keys.linkageKeyVersion,
        keyringFingerprint: keys.keyringFingerprint,
        variables: record.variables,
        uploadId: record.uploadId,
        withdrawn: record.withdrawn,
        keyId: keys.keyId,
        pprl,
      }),
    });
  }
  return outcome;
}
