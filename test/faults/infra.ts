/**
 * Private Kafka and PostgreSQL for fault tests. The shared broker (9092) and server
 * (5432) are used by others and are never stopped; a test that stops a broker or a
 * database starts its own here (its own ports and data directories under
 * .data/faults-*) and stops only that one.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@kruispunt/service-kit";
import { SLOT_PORT_OFFSET, slotted } from "../harness";

const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

export interface PrivateKafka {
  brokers: string[];
  start: () => void;
  stop: () => void;
}

/** A single-node KRaft broker on 127.0.0.1:19092+slot×10 (controller +1), data in .data/<name>. */
export function privateKafka(name = slotted("faults-kafka")): PrivateKafka {
  const port = 19_092 + SLOT_PORT_OFFSET / 10;
  const state = join(REPO_ROOT, ".data", name);
  const shared = join(REPO_ROOT, ".data", "kafka", "libs");
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(port + 1),
    KAFKA_STATE_DIR: state,
    KAFKA_LOG_FILE: join(state, "kafka.log"),
    // Reuse the jars the shared broker's start fetched, if this checkout has them.
    ...(existsSync(join(shared, ".pom.sha256")) ? { KAFKA_LIBS_DIR: shared } : {}),
    KAFKA_HEAP: "-Xms128m -Xmx384m",
  };
  const script = join(REPO_ROOT, "deploy", "kafka.sh");
  const run = (command: string) =>
    execFileSync("bash", [script, command], { env, stdio: ["ignore", "ignore", "inherit"] });
  return {
    brokers: [`127.0.0.1:${port}`],
    start: () => {
      mkdirSync(state, { recursive: true });
      run("start");
    },
    stop: () => run("stop"),
  };
}

export interface PrivatePostgres {
  port: number;
  url: (database: string) => string;
  start: () => void;
  /** Fast shutdown (clients are disconnected, as in a failover or a restart). */
  stop: () => void;
  destroy: () => void;
}

/** A PostgreSQL 15 cluster (initdb, trust auth) on 127.0.0.1:15432+slot, data in .data/<name>. */
export function privatePostgres(name = slotted("faults-pg")): PrivatePostgres {
  const port = 15_432 + SLOT_PORT_OFFSET / 100;
  const data = join(REPO_ROOT, ".data", name);
  const pgCtl = (...args: string[]) =>
    execFileSync(join(PG_BIN, "pg_ctl"), ["-D", data, "-w", "-t", "60", ...args], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () => {
      if (!existsSync(join(data, "PG_VERSION"))) {
        rmSync(data, { recursive: true, force: true });
        execFileSync(
          join(PG_BIN, "initdb"),
          ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"],
          { stdio: "ignore" },
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
      spawnSync(join(PG_BIN, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"], {
        stdio: "ignore",
      });
      rmSync(data, { recursive: true, force: true });
    },
  };
}
