import { describe, expect, it } from "vitest";
import { backoffMs, isTransient } from "./retry";

describe("isTransient", () => {
  it("waits out dependencies that are down", () => {
    expect(isTransient(Object.assign(new Error("connect"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isTransient(Object.assign(new Error("x"), { code: "57P01" }))).toBe(true); // admin shutdown
    expect(isTransient(Object.assign(new Error("x"), { code: "08006" }))).toBe(true);
    expect(isTransient(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(
      isTransient(Object.assign(new Error("x"), { name: "KafkaJSNumberOfRetriesExceeded" })),
    ).toBe(true);
    expect(isTransient(new Error("wrapped", { cause: { code: "ECONNRESET" } }))).toBe(true);
  });

  it("gives up on errors a retry cannot cure", () => {
    expect(isTransient(new Error("index out of range"))).toBe(false);
    expect(isTransient(Object.assign(new Error("dup"), { code: "23505" }))).toBe(false);
    expect(isTransient(new TypeError("cannot read properties of undefined"))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
    const tooLarge = Object.assign(new Error("message too large"), {
      name: "KafkaJSProtocolError",
      retriable: false,
    });
    expect(isTransient(tooLarge)).toBe(false);
  });
});

describe("backoffMs", () => {
  it("doubles from 200 ms up to the cap", () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a))).toEqual([200, 400, 800, 1600]);
    expect(backoffMs(30)).toBe(10_000);
  });
});
