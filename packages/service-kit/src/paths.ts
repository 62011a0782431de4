/** Where local state lives: `.data/` at the repository root unless KRUISPUNT_DATA_DIR says otherwise. */
import { fileURLToPath } from "node:url";

/** Absolute path of the repository root (ends without a slash). */
export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url)).replace(/\/$/, "");

/** Default TCP port of each service. */
export const SERVICE_PORTS = {
  intake: 8081,
  pseudonymiser: 8082,
  linker: 8083,
  release: 8084,
  audit: 8085,
} as const;
export type ServiceName = keyof typeof SERVICE_PORTS;
export const SERVICE_NAMES = Object.keys(SERVICE_PORTS) as ServiceName[];

/**
 * Files in the keys directory. Each secret keyring is read only by the service
 * named; public keys are separate files so that other services never open a keyring.
 */
export function keyFiles(keysDir: string) {
  return {
    jwtSecret: `${keysDir}/jwt.secret`,
    pseudonymiserKeyring: `${keysDir}/pseudonymiser.keyring`,
    pseudonymiserSealPublic: `${keysDir}/pseudonymiser.seal.pub`,
    releaseKeyring: `${keysDir}/release.keyring`,
    auditKeyring: `${keysDir}/audit.keyring`,
    auditSigningPublic: `${keysDir}/audit.signing.pub`,
  };
}
