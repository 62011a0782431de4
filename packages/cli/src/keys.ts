/**
 * Key set-up for a local deployment: one keyring per service that holds secrets,
 * public keys beside them, and the JWT secret of the local token issuer.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { readOrCreateJwtSecret } from "@kruispunt/auth";
import { blindReady, ensureBlindKeys } from "@kruispunt/blind";
import { cryptoReady, generateKeyring, publicKeyOf, writeKeyring } from "@kruispunt/crypto";
import { keyFiles } from "@kruispunt/service-kit";

/**
 * Creates whatever is missing in `keysDir` (mode 0700): pseudonymiser keyring
 * (linkage key + seal key pair), release keyring (release master key), audit
 * keyring (Ed25519 signing key), public-key files, jwt.secret, and the blind mode's
 * keys (pseudonymiser.blind.json, linker.blind.json, linker.elgamal.pub). Never replaces
 * an existing key. Returns the files it created.
 */
export async function initKeys(keysDir: string): Promise<string[]> {
  await cryptoReady();
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const files = keyFiles(keysDir);
  const created: string[] = [];
  const ensure = (path: string, make: () => void) => {
    if (existsSync(path)) return;
    make();
    created.push(path);
  };
  ensure(files.pseudonymiserKeyring, () => {
    const ring = generateKeyring(["linkage", "seal"]);
    writeKeyring(files.pseudonymiserKeyring, ring);
    writeFileSync(
      files.pseudonymiserSealPublic,
      `${Buffer.from(publicKeyOf(ring, "seal")).toString("hex")}\n`,
      { mode: 0o644 },
    );
  });
  ensure(files.releaseKeyring, () =>
    writeKeyring(files.releaseKeyring, generateKeyring(["release"])),
  );
  ensure(files.auditKeyring, () => {
    const ring = generateKeyring(["signing"]);
    writeKeyring(files.auditKeyring, ring);
    writeFileSync(
      files.auditSigningPublic,
      `${Buffer.from(publicKeyOf(ring, "signing")).toString("hex")}\n`,
      { mode: 0o644 },
    );
  });
  ensure(files.jwtSecret, () => readOrCreateJwtSecret(files.jwtSecret));
  await blindReady();
  created.push(...ensureBlindKeys(keysDir));
  return created;
}
