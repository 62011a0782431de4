import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

describe("loadConfig", () => {
  it("gives every setting a default that works on a developer machine", () => {
    const config = loadConfig("linker", {});
    expect(config.port).toBe(8083);
    expect(config.kafkaBrokers).toEqual(["127.0.0.1:9092"]);
    expect(config.kafkaMaxAttempts).toBe(5);
    expect(config.requestTimeoutMs).toBe(120_000);
    expect(config.serviceUrls.pseudonymiser).toBe("http://127.0.0.1:8082");
  });

  it.each([
    ["PORT", "99999"],
    ["PORT", "http"],
    ["KAFKA_BROKERS", "kafka"],
    ["KAFKA_NAMESPACE", "Upper Case"],
    ["KAFKA_MAX_ATTEMPTS", "0"],
    ["DATABASE_URL", "mysql://db/kruispunt"],
    ["LOG_LEVEL", "loud"],
    ["HTTP_REQUEST_TIMEOUT_MS", "-5"],
    ["KRUISPUNT_PSEUDONYMISER_URL", "not a url"],
  ])("refuses %s=%s with an error naming the setting", (setting, value) => {
    const error = (() => {
      try {
        loadConfig("linker", { [setting]: value });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe(setting);
    expect((error as ConfigError).message).toMatch(new RegExp(`^configuration: ${setting}: `));
  });

  it("does not repeat the value (a DATABASE_URL may hold a password)", () => {
    expect(() => loadConfig("intake", { DATABASE_URL: "mysql://u:hunter2@db/x" })).toThrow(
      /^configuration: DATABASE_URL: (?!.*hunter2)/,
    );
  });
});
