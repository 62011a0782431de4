/**
 * Private Kafka and PostgreSQL for fault tests. The shared broker (9092) and server
 * (5432) are used by others and are never stopped; a test that stops a broker or a
 * database starts its own here (its own ports and data directories under
 * .data/faults-*) and stops only that one.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "@kruispunt/service-kit";
import { SLOT_PORT_OFFSET, slotted } from "../harness";

const execFileAsync = promisify(execFile);

const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

export interface PrivateKafka {
  brokers: string[];
  /**
   * Starts the broker (formats its log directory on first start); resolves once it
   * serves, rejects if it does not within kafka.sh's 90 s or if its port is held by
   * anything but this broker (KAFKA_REUSE=0: never a broker of someone else's).
   */
  start: () => Promise<void>;
  /** Controlled shutdown (SIGTERM; SIGKILL after 30 s); resolves once it has exited. */
  stop: () => Promise<void>;
  /** Stops the broker and deletes its state (log directory, configuration); the log stays. */
  destroy: () => Promise<void>;
  /** Whether something accepts connections on the broker's port. */
  answers: () => Promise<boolean>;
}

/**
 * Private brokers' ports: 17 092 + slot × 10 (controller + 1), below every service
 * port a test file uses in any slot (18 081 and up: offsets 10 000 – 24 060 plus
 * slot × 100) and far from the shared broker's 9092/9093.
 */
const PRIVATE_KAFKA_PORT = 17_092;

/**
 * A single-node KRaft broker of this test file's own (deploy/kafka.sh), state in
 * .data/<name> (one per slot), log in .data/logs/<name>.log (kept for a post-mortem).
 * The jars are the shared broker's (.data/kafka/libs, fetched there by deploy/kafka.sh
 * if missing), so deleting the state does not mean fetching them again. kafka.sh runs
 * asynchronously: a start under load takes tens of seconds, and a blocked event loop
 * would stall the uploads and vitest's worker messages meanwhile.
 */
export function privateKafka(name = slotted("faults-kafka")): PrivateKafka {
  const port = PRIVATE_KAFKA_PORT + SLOT_PORT_OFFSET / 10;
  const state = join(REPO_ROOT, ".data", name);
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(port + 1),
    KAFKA_STATE_DIR: state,
    KAFKA_LOG_FILE: join(REPO_ROOT, ".data", "logs", `${name}.log`),
    KAFKA_LIBS_DIR: join(REPO_ROOT, ".data", "kafka", "libs"),
    KAFKA_HEAP: "-Xms128m -Xmx384m",
    KAFKA_REUSE: "0",
  };
  const script = join(REPO_ROOT, "deploy", "kafka.sh");
  const run = async (command: "start" | "stop") => {
    try {
      // kafka.sh bounds itself (90 s start, 30 s stop, the lock 120 s); this is a backstop.
      await execFileAsync("bash", [script, command], { env, timeout: 300_000 });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`kafka.sh ${command} (${name}) failed:\n${stdout ?? ""}${stderr ?? ""}`);
    }
  };
  const stop = () => run("stop");
  return {
    brokers: [`127.0.0.1:${port}`],
    start: () => run("start"),
    stop,
    destroy: async () => {
      await stop();
      rmSync(state, { recursive: true, force: true });
    },
    answers: () =>
      new Promise((resolve) => {
        const socket = connect({ host: "127.0.0.1", port, timeout: 2_000 });
        const done = (open: boolean) => {
          socket.destroy();
          resolve(open);
        };
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
        socket.once("timeout", () => done(false));
      }),
  };
}

export interface PrivatePostgres {
  port: number;
  url: (database: string) => string;
  /** initdb if there is no cluster yet, then start it; returns once it accepts connections. */
  start: () => void;
  /** Fast shutdown (clients are disconnected, as in a failover or a restart). */
  stop: () => void;
  /** Stops the cluster (immediate) and deletes its data directory. */
  destroy: () => void;
}

/**
 * A PostgreSQL 15 cluster (initdb, trust auth, fsync off) on 127.0.0.1:15432+slot.
 * Its data directory is under the system temp directory (os.tmpdir()/kruispunt-<name>),
 * not the checkout: initdb and postgres refuse to run as root, so as root (CI's
 * .ci/run) they run as the `postgres` user (runuser), which must be able to reach the
 * directory. PG_BIN overrides /usr/lib/postgresql/15/bin.
 */
export function privatePostgres(name = slotted("faults-pg")): PrivatePostgres {
  const port = 15_432 + SLOT_PORT_OFFSET / 100;
  const data = join(tmpdir(), `kruispunt-${name}`);
  const asRoot = process.getuid?.() === 0;
  /** Runs a PostgreSQL program, as the postgres user when we are root. */
  const run = (program: string, args: string[], stdio: "ignore" | "inherit" = "inherit") => {
    const [file, argv] = asRoot
      ? ["runuser", ["-u", "postgres", "--", join(PG_BIN, program), ...args]]
      : [join(PG_BIN, program), args];
    execFileSync(file, argv, { stdio: ["ignore", "ignore", stdio] });
  };
  const pgCtl = (...args: string[]) => run("pg_ctl", ["-D", data, "-w", "-t", "60", ...args]);
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () => {
      if (!existsSync(join(data, "PG_VERSION"))) {
        rmSync(data, { recursive: true, force: true });
        mkdirSync(data, { recursive: true, mode: 0o700 });
        if (asRoot) execFileSync("chown", ["postgres:", data]);
        run(
          "initdb",
          ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"],
          "ignore",
        );
      }
      pgCtl(
        "-l",
        join(data, "server.log"),
        "-o",
        `-p ${port} -h 127.0.0.1 -k ${data} -c fsync=off -c max_connections=100`,
        "start",
      );
    },
    stop: () => pgCtl("-m", "fast", "stop"),
    destroy: () => {
      if (existsSync(join(data, "postmaster.pid"))) {
        try {
          run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"], "ignore");
        } catch {
          // not running (a stale pid file): nothing to stop
        }
      }
      rmSync(data, { recursive: true, force: true });
    },
  };
}
