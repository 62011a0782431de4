import { defineConfig } from "vitest/config";

// Two projects: fast unit tests beside the code, and end-to-end tests over real
// Kafka and PostgreSQL in test/ (global setup starts local Kafka if KAFKA_BROKERS is unset).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "services/*/src/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          globalSetup: ["test/global-setup.ts"],
          // Stops what a file started even when its beforeAll failed half-way.
          setupFiles: ["test/stop-stacks.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
