/**
 * The harness stops what it started, also when a start did not finish (a beforeAll
 * that timed out never gets the stack to stop): `stopStacks` ends the services of a
 * stack still waiting for them to be ready, and a start that has not spawned them yet
 * gives up instead of spawning them afterwards.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "@kruispunt/service-kit";
import { describe, expect, it } from "vitest";
import { slotted, startStack, stopStacks, waitFor } from "./harness";

const NAME = "e2e_harness_stop";
const OPTIONS = { name: NAME, portOffset: 22_080 };
const dataDir = join(REPO_ROOT, ".data", slotted(NAME));

/** Pids of the processes started with KRUISPUNT_DATA_DIR=`dir`: this stack's services. */
function servicesOf(dir: string): number[] {
  const entry = `\0KRUISPUNT_DATA_DIR=${dir}\0`;
  return readdirSync("/proc")
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return `\0${readFileSync(`/proc/${pid}/environ`, "latin1")}`.includes(entry);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

describe("stopStacks", () => {
  it("ends the services of a stack that is still starting; the start rejects", async () => {
    const starting = startStack(OPTIONS);
    const outcome = starting.then(
      () => "ready",
      (error: Error) => error.message,
    );
    await waitFor(
      "five services spawned",
      async () => servicesOf(dataDir).length === 5,
      120_000,
      10,
    );
    await stopStacks();
    expect(servicesOf(dataDir)).toEqual([]);
    expect(await outcome).toMatch(/^\w+ exited \(/);
  });

  it("makes a start that has not spawned its services yet give up", async () => {
    const starting = startStack(OPTIONS);
    await stopStacks();
    await expect(starting).rejects.toThrow(/stopped \(stopStacks\) while starting/);
    expect(servicesOf(dataDir)).toEqual([]);
  });
});
