/**
 * Blind mode at the linker: the only place where a blind-mode linkage pseudonym comes
 * into being. Reshuffled ciphertexts (k·r·B, k·M + k·r·PK) are decrypted with the
 * linker's secret x to k·M and keyed with the linker's own linkage key, in one call per
 * batch; the records then link exactly as keyed-mode records do, under a key id of
 * their own ("blind-…") so that they never compare with keyed pseudonyms.
 */
import {
  BLIND_KEY_VERSION,
  blindLinkagePseudonyms,
  blindPseudonymKeyId,
  type LinkerBlindKeys,
} from "@kruispunt/blind";
import type { PseudonymisedRecord } from "@kruispunt/contracts";

export interface UnblindOutcome {
  /** The batch in order, blind records now carrying their linkage pseudonym. */
  records: PseudonymisedRecord[];
  /** agency/dataset/record of blind records that could not be decrypted (or no keys). */
  refused: string[];
}

const ref = (r: PseudonymisedRecord) => `${r.agency}/${r.dataset}/${r.sourceRecordId}`;

function decrypt(keys: LinkerBlindKeys, ciphertexts: string[]): (string | null)[] {
  const bytes = ciphertexts.map((c) => new Uint8Array(Buffer.from(c, "base64url")));
  try {
    return blindLinkagePseudonyms(keys.elgamalSecretKey, keys.linkageKey, bytes);
  } catch {
    // One bad ciphertext fails the batch call: redo one by one to refuse only it.
    return bytes.map((b) => {
      try {
        return blindLinkagePseudonyms(keys.elgamalSecretKey, keys.linkageKey, [b])[0] ?? null;
      } catch {
        return null;
      }
    });
  }
}

/**
 * Replaces each blind record's reshuffled ciphertext by its linkage pseudonym
 * (`blindLinkagePseudonyms`), key version {@link BLIND_KEY_VERSION} and key id
 * `blindPseudonymKeyId(reshuffle key id, linkage key)`. Keyed and withdrawn records pass
 * unchanged. Without `keys`, every blind record is refused.
 */
export function unblindRecords(
  records: PseudonymisedRecord[],
  keys: LinkerBlindKeys | null,
): UnblindOutcome {
  const blindIndices = records.flatMap((r, i) =>
    !r.withdrawn && r.reshuffledCiphertext ? [i] : [],
  );
  if (blindIndices.length === 0) return { records, refused: [] };
  if (!keys)
    return {
      records: records.filter((_, i) => !blindIndices.includes(i)),
      refused: blindIndices.map((i) => ref(records[i] as PseudonymisedRecord)),
    };
  const pseudonyms = decrypt(
    keys,
    blindIndices.map((i) => (records[i] as PseudonymisedRecord).reshuffledCiphertext ?? ""),
  );
  const byIndex = new Map(blindIndices.map((i, j) => [i, pseudonyms[j] ?? null]));
  const keyIds = new Map<string, string>();
  const out: PseudonymisedRecord[] = [];
  const refused: string[] = [];
  records.forEach((record, i) => {
    if (!byIndex.has(i)) {
      out.push(record);
      return;
    }
    const pseudonym = byIndex.get(i);
    if (!pseudonym) {
      refused.push(ref(record));
      return;
    }
    let keyId = keyIds.get(record.keyId);
    if (!keyId) {
      keyId = blindPseudonymKeyId(record.keyId, keys.linkageKey);
      keyIds.set(record.keyId, keyId);
    }
    out.push({
      ...record,
      linkagePseudonym: pseudonym,
      keyVersion: BLIND_KEY_VERSION,
      keyId,
      reshuffledCiphertext: "",
    });
  });
  return { records: out, refused };
}
