/**
 * The record pseudonym: the linkage pseudonym of a source record accepted without a
 * usable identifier (dataset contract `identifier.whenUnusable:
 * "link_probabilistically"`). It stands in for the linkage pseudonym on
 * records.pseudonymised and in the linker's store, so such a record has no exact partner
 * and can be linked only probabilistically, on its quasi-identifiers' encoding.
 *
 * Version 1 = lowercase hex HMAC-SHA-256(k_1, UTF-8("kruispunt/record-pseudonym/v1") ‖
 * 0x00 ‖ UTF-8(agency) ‖ 0x00 ‖ UTF-8(dataset) ‖ 0x00 ‖ UTF-8(source record id)); later key
 * versions move it forward like any linkage pseudonym (rotation.ts: LP_n =
 * HMAC(k_n, "kruispunt/rekey/v1" ‖ 0x00 ‖ LP_{n−1})), so the linker's re-keying needs no
 * change. It is deterministic (a re-sent record gets the same one) and can never equal a
 * person's linkage pseudonym: that one's HMAC input starts with a scheme name, which is
 * never this label (scheme names hold no "/", packages/identifiers registry.test.ts).
 */
import { CryptoError, CryptoErrorCode } from "./errors";
import type { Keyring } from "./keyring-types";
import { versionedLinkagePseudonym } from "./rotation";

/** The label in front of every record pseudonym's HMAC input. */
export const RECORD_PSEUDONYM_LABEL = "kruispunt/record-pseudonym/v1";

/**
 * The record pseudonym of (agency, dataset, source record id) at the ring's current
 * linkage-key version (or `version`).
 *
 * @returns 64 lowercase hex characters and the key version used.
 * @throws CryptoError `KRP_ERR_BAD_INPUT` if agency or dataset is empty or holds a NUL
 *   (which would make the input ambiguous; the source record id comes last and may hold
 *   anything); KeyringError if the ring lacks the version.
 */
export function recordPseudonym(
  ring: Keyring,
  record: { agency: string; dataset: string; sourceRecordId: string },
  version?: number,
): { pseudonym: string; keyVersion: number } {
  const { agency, dataset, sourceRecordId } = record;
  for (const part of [agency, dataset])
    if (part === "" || part.includes("\u0000"))
      throw new CryptoError(
        CryptoErrorCode.KRP_ERR_BAD_INPUT,
        "agency and dataset must be non-empty, without NUL",
      );
  return versionedLinkagePseudonym(
    ring,
    RECORD_PSEUDONYM_LABEL,
    `${agency}\u0000${dataset}\u0000${sourceRecordId}`,
    version,
  );
}
