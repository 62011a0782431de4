/** The pseudonymiser's keys, read once at start-up from its keyring (mode 0600). */
import { currentKey, keyringFingerprint, linkageKeyId, readKeyring } from "@kruispunt/crypto";
import { keyFiles } from "@kruispunt/service-kit";
import { encoderFor } from "./encode-quasi-identifiers";
import type { PseudonymiserKeys } from "./pseudonymise";

/**
 * Reads `<keysDir>/pseudonymiser.keyring`: every linkage key version and the seal
 * key pair. A rotated keyring takes effect at the next start.
 * @throws KeyringError if the file is missing, too open (not 0600) or malformed.
 */
export function loadKeys(keysDir: string): PseudonymiserKeys {
  const ring = readKeyring(keyFiles(keysDir).pseudonymiserKeyring);
  const linkage = currentKey(ring, "linkage");
  const seal = currentKey(ring, "seal");
  return {
    ring,
    linkageKeyVersion: linkage.version,
    keyId: linkageKeyId(ring, linkage.version),
    keyringFingerprint: keyringFingerprint(ring),
    sealPublicKey: seal.publicKey,
    sealSecretKey: seal.secretKey,
    encoder: encoderFor(linkage),
  };
}
