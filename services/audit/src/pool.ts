/**
 * The audit service's PostgreSQL pool. Every connection runs as the NOLOGIN role
 * kruispunt_audit_writer (migration 1764403200004), which may SELECT and INSERT on
 * audit.entries and audit.checkpoints and nothing else, so that even a bug in the
 * service cannot UPDATE, DELETE or TRUNCATE the log: PostgreSQL refuses with a
 * permission error (SQLSTATE 42501) before the append-only trigger is reached.
 */
import pg from "pg";

/** The role the audit service's connections take (see migration 1764403200004). */
export const AUDIT_WRITER_ROLE = "kruispunt_audit_writer";

const ROLE_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * A pool on `url` (at most `size` connections) whose every new connection runs
 * `SET ROLE <role>` (pg Pool 'connect' event, queued before any other query) and
 * is then checked to really be `role` before it is handed out: if SET ROLE failed
 * (role missing, login not a member of it), the connection is discarded and the
 * query that wanted it rejects, so nothing ever runs with the login's own rights.
 * Throws RangeError for a role that is not a plain lower-case SQL identifier.
 *
 * Note: SET ROLE limits what this process does by mistake; a login that is a
 * superuser could still RESET ROLE on purpose. In production the audit service
 * logs in as a role that is a member of kruispunt_audit_writer and nothing more.
 */
export function writerPool(url: string, size = 5, role = AUDIT_WRITER_ROLE): pg.Pool {
  if (!ROLE_NAME.test(role)) throw new RangeError(`role must be a plain SQL identifier: ${role}`);
  // SET ROLE per new connection, awaited by `verify` (one query at a time per client).
  const settingRole = new WeakMap<pg.PoolClient, Promise<unknown>>();
  const verify = (client: pg.PoolClient, done: (error?: Error) => void) => {
    (settingRole.get(client) ?? Promise.reject(new Error("SET ROLE did not run")))
      .then(() => client.query<{ role: string }>("SELECT current_user AS role"))
      .then(
        ({ rows }) =>
          done(
            rows[0]?.role === role ? undefined : new Error(`connection is not running as ${role}`),
          ),
        (error: Error) => done(error),
      );
  };
  // `verify` is pg-pool's hook run on each new client before it is handed out.
  const pool = new pg.Pool({ connectionString: url, max: size, verify } as pg.PoolConfig);
  // An idle connection the server closes (a restart) is dropped and the next query
  // reconnects; without a listener the 'error' event would crash the service.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    settingRole.set(client, client.query(`SET ROLE ${role}`));
  });
  return pool;
}

/** Readiness: PostgreSQL answers, and as the writer role. Rejects otherwise. */
export function writerReady(pool: pg.Pool, role = AUDIT_WRITER_ROLE): () => Promise<void> {
  return async () => {
    const { rows } = await pool.query<{ role: string }>("SELECT current_user AS role");
    if (rows[0]?.role !== role) throw new Error(`database role is not ${role}`);
  };
}
