/**
 * `kruispunt up` as an operator runs it: it prepares the database and keys, starts the
 * five services, prints one line naming each service's URL once all of them are
 * ready, and stops them on Ctrl-C (SIGINT) with exit code 0. Own database, data
 * directory, Kafka namespace and ports (offset 5 000 + slot).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, SERVICE_NAMES, SERVICE_PORTS } from "@kruispunt/service-kit";
import { createPool } from "@kruispunt/store";
import { afterAll, describe, expect, it } from "vitest";
import { KAFKA_BROKERS, servicePortOffset, slotted, waitFor } from "./harness";

const name = slotted("e2e_cli_up");
const offset = servicePortOffset(5_000);
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((r) => child?.once("exit", r));
    child.kill("SIGINT");
    await gone;
  }
});

describe("kruispunt up", () => {
  it("says once when every service is ready, with their URLs, and stops on Ctrl-C", async () => {
    const admin = createPool("postgres://postgres@127.0.0.1:5432/postgres", 1);
    await admin.query(`DROP DATABASE IF EXISTS kruispunt_${name} WITH (FORCE)`);
    await admin.end();
    const dataDir = join(REPO_ROOT, ".data", name);
    rmSync(dataDir, { recursive: true, force: true });

    let stdout = "";
    child = spawn(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "packages/cli/src/main.ts"), "up"],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          DATABASE_URL: `postgres://postgres@127.0.0.1:5432/kruispunt_${name}`,
          KRUISPUNT_DATA_DIR: dataDir,
          KRUISPUNT_PORT_OFFSET: String(offset),
          KAFKA_BROKERS: KAFKA_BROKERS.join(","),
          KAFKA_NAMESPACE: `${name}-${Date.now()}.`,
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    const exited = new Promise<number | null>((r) => child?.once("exit", (code) => r(code)));

    await waitFor("the ready line", async () => stdout.includes("services ready"), 280_000);
    const urls = SERVICE_NAMES.map((s) => `${s} http://127.0.0.1:${SERVICE_PORTS[s] + offset}`);
    expect(stdout.split("\n").filter((l) => l.startsWith("services "))).toEqual([
      `services starting (Kafka must run: bash deploy/kafka.sh start); logs in ${join(dataDir, "logs")}; Ctrl-C stops them`,
      `services ready: ${urls.join(", ")}`,
    ]);
    // The line tells the truth: each URL answers ready.
    for (const s of SERVICE_NAMES) {
      const r = await fetch(`http://127.0.0.1:${SERVICE_PORTS[s] + offset}/health/ready`);
      expect([s, r.status]).toEqual([s, 200]);
    }

    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
