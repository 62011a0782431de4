/**
 * @kruispunt/blind: blind pseudonymisation on ristretto255 (libsodium -sumo). The agency
 * encrypts, the pseudonymiser reshuffles, the linker decrypts and keys; see elgamal.ts.
 * RFC 9497's OPRF (oprf.ts) proves the hash-to-group and scalar arithmetic against the
 * RFC's vectors. Call `await blindReady()` once before anything else.
 */

export type { BlindBackendName } from "./backend";
export {
  BLIND_PSEUDONYM_LABEL,
  blindLinkagePseudonyms,
  blindPseudonymOfElement,
  CIPHERTEXT_BYTES,
  decryptCiphertexts,
  type ElementKeyPair,
  encryptIdentifiers,
  generateElGamalKeyPair,
  generateReshuffleScalar,
  identifierElement,
  reshuffleCiphertexts,
  type SchemeIdentifier,
} from "./elgamal";
export { BlindError, BlindErrorCode } from "./errors";
export { ELEMENT_BYTES, isValidElement, SCALAR_BYTES } from "./group";
export {
  BLIND_KEY_VERSION,
  BLIND_KEYS_FORMAT,
  blindKeyFiles,
  blindPseudonymKeyId,
  ensureBlindKeys,
  type LinkerBlindKeys,
  type PseudonymiserBlindKeys,
  readLinkerBlindKeys,
  readLinkerElGamalPublicKey,
  readPseudonymiserBlindKeys,
  reshuffleKeyId,
} from "./key-files";
export { blind, blindEvaluate, contextString, deriveKeyPair, finalize } from "./oprf";
export { BlindWorkerPool } from "./pool";
export { availableBlindBackends, blindBackendName, blindReady } from "./sodium";
