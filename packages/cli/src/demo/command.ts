/**
 * `kruispunt demo`: everything a new user needs for the main job on one machine.
 * Starts local Kafka when KAFKA_BROKERS is unset, prepares PostgreSQL, creates
 * keys, runs the five services, drives the main job and prints a summary.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { loadConfig, REPO_ROOT } from "@kruispunt/service-kit";
import { KruispuntClient } from "../client";
import { initKeys } from "../keys";
import { failOnExit, startServices } from "../supervisor";
import { assertKeysMatchDatabase } from "./keys-guard";
import { prepareDatabase, runMainJob, type Summary } from "./main-job";

export interface DemoOptions {
  febrlDir: string;
  outDir: string;
  limitPairs?: number;
  keepRunning: boolean;
  /** Dataset mode both agencies register: "blind" with `--blind` (default "keyed"). */
  mode?: "keyed" | "blind";
}

/** Where `demo --blind` keeps its state unless DATABASE_URL says otherwise. */
export const BLIND_DEMO_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kruispunt_blind";

/** Runs the demo; resolves with the summary (also written to `<outDir>/summary.json`). */
export async function demo(
  options: DemoOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Summary> {
  const say = (line: string) => console.log(`• ${line}`);
  if (options.mode === "blind" && !env.DATABASE_URL) {
    // One linker store links one mode (blind and keyed pseudonyms never compare), so the
    // blind demo keeps its own database and topics beside the keyed demo's.
    execFileSync("bash", [join(REPO_ROOT, "deploy", "postgres.sh")], { stdio: "inherit" });
    env = {
      ...env,
      DATABASE_URL: BLIND_DEMO_DATABASE_URL,
      KAFKA_NAMESPACE: env.KAFKA_NAMESPACE || "blind.",
    };
    say(`blind mode: database ${BLIND_DEMO_DATABASE_URL}, Kafka namespace ${env.KAFKA_NAMESPACE}`);
  }
  const config = loadConfig("intake", env); // shared settings: brokers, database, data dir
  if (!env.KAFKA_BROKERS) {
    say("KAFKA_BROKERS is unset: starting local Kafka 3.9 (deploy/kafka.sh)");
    execFileSync("bash", [join(REPO_ROOT, "deploy", "kafka.sh"), "start"], { stdio: "inherit" });
  }
  if (!env.DATABASE_URL)
    execFileSync("bash", [join(REPO_ROOT, "deploy", "postgres.sh")], { stdio: "inherit" });
  await prepareDatabase(config.databaseUrl);
  const created = await initKeys(config.keysDir);
  if (created.length > 0)
    say(`created keys in ${config.keysDir}: ${created.map((p) => p.split("/").pop()).join(", ")}`);

  await assertKeysMatchDatabase(config.databaseUrl, config.keysDir);
  const running = startServices(config.dataDir, env);
  const crashed = failOnExit(running, join(config.dataDir, "logs"));
  crashed.catch(() => {});
  const client = new KruispuntClient({ keysDir: config.keysDir, env });
  try {
    await Promise.race([
      client.waitReady(["intake", "pseudonymiser", "linker", "release", "audit"], 90_000),
      crashed,
    ]);
    say(`services up (logs in ${join(config.dataDir, "logs")})`);
    const summary = await Promise.race([
      runMainJob({
        client,
        febrlDir: options.febrlDir,
        outDir: options.outDir,
        kafkaBrokers: config.kafkaBrokers,
        kafkaNamespace: config.kafkaNamespace,
        limitPairs: options.limitPairs,
        mode: options.mode,
        say,
      }),
      crashed,
    ]);
    say(`summary written to ${join(options.outDir, "summary.json")}`);
    return summary;
  } finally {
    if (options.keepRunning) {
      say("services keep running (--keep-running); stop them with Ctrl-C");
      process.once("SIGINT", () => void running.stop().then(() => process.exit(0)));
    } else {
      await running.stop();
      if (!env.KAFKA_BROKERS)
        say("local Kafka keeps running for the next run; stop it with: bash deploy/kafka.sh stop");
    }
  }
}
