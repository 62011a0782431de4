/**
 * @kruispunt/crypto: keyed hashing, linkage and project pseudonyms, sealed identifiers
 * and keyrings, on libsodium. Call `await cryptoReady()` once before anything else.
 */

export { BatchOpener, type BatchSealedValue, BatchSealer } from "./batch-seal";
export {
  CryptoError,
  CryptoErrorCode,
  cryptoErrorDescriptions,
  KeyringError,
  SealOpenError,
} from "./errors";
export {
  decodeMemberKey,
  FILE_CHUNK_BYTES,
  FileDecryptor,
  FileEncryptor,
  generateFileKey,
  generateMemberKeyPair,
  type MemberKeyPair,
  openFileKey,
  sealFileKey,
} from "./file-seal";
export { hmacSha256, sha256Hex } from "./hash";
export {
  currentKey,
  generateKeyring,
  importKeyring,
  isSymmetricKey,
  KEYRING_FORMAT,
  type KeyForPurpose,
  type KeyPairKey,
  type KeyPairPurpose,
  type KeyPurpose,
  type Keyring,
  keyringFingerprint,
  publicKeyOf,
  readKeyring,
  type SymmetricKey,
  type SymmetricPurpose,
  type WriteKeyringOptions,
  writeKeyring,
} from "./keyring";
export {
  deriveProjectKey,
  linkagePseudonym,
  projectPseudonym,
  projectPseudonymizer,
  SYMMETRIC_KEY_BYTES,
} from "./pseudonym";
export { RECORD_PSEUDONYM_LABEL, recordPseudonym } from "./record-pseudonym";
export {
  linkageKeyChain,
  linkageKeyId,
  rekeyPseudonym,
  rekeyToCurrent,
  rotateLinkageKey,
  versionedLinkagePseudonym,
} from "./rotation";
export { openSealedIdentifier, sealIdentifier } from "./seal";
export { cryptoReady } from "./sodium";
