/**
 * The CLI's HTTP client names the service and address it could not reach (Node's fetch
 * says only "fetch failed").
 */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { KruispuntClient } from "./client";

describe("KruispuntClient", () => {
  it("names the service, its address and the setting behind it when nothing answers", async () => {
    // A port that was just free and is closed again: the connection is refused.
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const client = new KruispuntClient({
      keysDir: "/nonexistent",
      urls: { audit: `http://127.0.0.1:${port}` },
      env: { KRUISPUNT_TOKEN: "t" },
    });
    await expect(
      client.request("audit", "GET", "/v1/audit/stats", { sub: "a", role: "auditor" }),
    ).rejects.toThrow(
      `cannot reach the audit service at http://127.0.0.1:${port} (ECONNREFUSED): is it running? Its address comes from KRUISPUNT_AUDIT_URL, else port 8085 + KRUISPUNT_PORT_OFFSET`,
    );
  });
});
