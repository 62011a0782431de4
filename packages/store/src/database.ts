/**
 * PostgreSQL access: one pool per service, database creation, and migrations with
 * node-pg-migrate (SQL files in ../migrations, applied in file-name order and
 * recorded in public.pgmigrations).
 */
import { fileURLToPath } from "node:url";
import { runner } from "node-pg-migrate";
import pg from "pg";

/** Default for DATABASE_URL: the local server with trust auth. */
export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kruispunt";

const migrationsDir = fileURLToPath(new URL("../migrations", import.meta.url));

/**
 * A pool on `url` (max `size` connections). An idle connection that the server
 * closes (restart, administrator command) is dropped from the pool and reported to
 * `onIdleError` instead of crashing the process; the next query reconnects.
 */
export function createPool(
  url: string,
  size = 5,
  onIdleError: (error: Error) => void = () => {},
): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: size });
  pool.on("error", onIdleError);
  return pool;
}

/**
 * Creates the database named in `url` if it does not exist, connecting to the
 * server's `postgres` database to do so. Idempotent.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsupported database name "${name}"`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(url: string): Promise<string[]> {
  const applied = await runner({
    databaseUrl: url,
    dir: migrationsDir,
    direction: "up",
    migrationsTable: "pgmigrations",
    log: () => {},
  });
  return applied.map((m) => m.name);
}

/**
 * Checks a client out of `pool`, like `pool.connect()`, but safe against the server
 * going away while it is out. pg-pool stops listening for a client's errors while it
 * is checked out, so a connection the server drops between two queries (a restart, a
 * failover) would be an unhandled 'error' event and crash the process. This client
 * keeps a listener until `release()`: the error is recorded, the next query on it
 * fails (a transient error the bus retries, see @kruispunt/bus retry.ts), and
 * `release()` destroys it instead of returning it to the pool.
 */
export async function checkoutClient(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on("error", onError);
  const release = client.release.bind(client);
  client.release = (error?: Error | boolean) => {
    client.off("error", onError);
    client.release = release;
    release(error ?? broken);
  };
  return client;
}

/** Runs `work` in a transaction: COMMIT if it resolves, ROLLBACK if it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await checkoutClient(pool);
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
