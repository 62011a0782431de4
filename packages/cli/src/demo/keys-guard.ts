/**
 * A deployment's keys and its database belong together: checkpoints in the audit
 * log are signed with the audit key in the keys directory. A second checkout, or a
 * fresh `.data/`, against an old database would make verification fail later, so
 * the demo checks up front and says how to fix it.
 */
import { verifyCheckpoint } from "@kruispunt/audit-chain";
import { cryptoReady, publicKeyOf, readKeyring } from "@kruispunt/crypto";
import { keyFiles } from "@kruispunt/service-kit";
import { createPool } from "@kruispunt/store";

/**
 * Throws an Error with a fix-it message if the newest audit checkpoint in
 * `databaseUrl` was not signed by the audit key in `keysDir`. Resolves if there is
 * no checkpoint yet.
 */
export async function assertKeysMatchDatabase(databaseUrl: string, keysDir: string): Promise<void> {
  await cryptoReady();
  const pool = createPool(databaseUrl, 1);
  try {
    const { rows } = await pool.query(
      "SELECT seq, hash, signed_at, key_version, signature FROM audit.checkpoints ORDER BY seq DESC LIMIT 1",
    );
    const last = rows[0];
    if (!last) return;
    const publicKey = publicKeyOf(readKeyring(keyFiles(keysDir).auditKeyring), "signing");
    const ok = await verifyCheckpoint(
      {
        seq: Number(last.seq),
        hash: last.hash,
        signedAt: last.signed_at,
        keyVersion: last.key_version,
        signature: last.signature,
      },
      publicKey,
    );
    if (!ok) {
      const name = new URL(databaseUrl).pathname.slice(1);
      throw new Error(
        `database "${name}" holds an audit log signed with another audit key than the one in ${keysDir} ` +
          `(another checkout, or a new .data/ directory). Use your own database (DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name>) ` +
          `or start afresh: psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE ${name} WITH (FORCE)' && rm -rf ${keysDir}`,
      );
    }
  } finally {
    await pool.end();
  }
}
