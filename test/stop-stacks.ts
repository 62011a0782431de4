/**
 * Setup file of every e2e test file (vitest.config.ts): after the file's own hooks,
 * stop every stack it started and did not stop, so a beforeAll that failed or timed
 * out half-way through `startStack` leaves no service running (see harness.ts,
 * `stopStacks`).
 */
import { afterAll } from "vitest";
import { stopStacks } from "./harness";

afterAll(stopStacks);
