import { connect } from "node:net";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBodyDeadline } from "./body-deadline";

const DEADLINE_MS = 600;
const app = Fastify({ requestTimeout: 0 });
let port = 0;

beforeAll(async () => {
  registerBodyDeadline(app, DEADLINE_MS, 1024);
  // Both routes read the raw body to the end and answer its length.
  app.addContentTypeParser("application/octet-stream", (_request, payload, done) =>
    done(null, payload),
  );
  const count = async (request: { body: unknown }) => {
    let bytes = 0;
    for await (const chunk of request.body as AsyncIterable<Buffer>) bytes += chunk.length;
    return { bytes };
  };
  app.post("/json", count);
  app.post("/upload", { config: { streamingBody: true } }, count);
  await app.listen({ host: "127.0.0.1", port: 0 });
  port = (app.server.address() as { port: number }).port;
});
afterAll(() => app.close());

/**
 * Sends a request declaring `length` body bytes, then `chunk` bytes every `everyMs`
 * until all are sent; resolves with the status line the server answered.
 */
function send(path: string, length: number, chunk: number, everyMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    let sent = 0;
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`,
    );
    const drip = setInterval(() => {
      const n = Math.min(chunk, length - sent);
      if (n > 0) socket.write(Buffer.alloc(n, 0x61));
      sent += n;
    }, everyMs);
    socket.on("data", (d) => {
      answer += String(d);
      if (answer.includes("\r\n\r\n") && answer.includes("}")) socket.destroy();
    });
    socket.on("close", () => {
      clearInterval(drip);
      resolve(answer.split("\r\n")[0] ?? "");
    });
    socket.on("error", () => {});
  });
}

describe("body deadlines", () => {
  it("answers 408 when a body stops coming on an ordinary route", async () => {
    expect(await send("/json", 100, 10, 100_000)).toBe("HTTP/1.1 408 Request Timeout");
  });

  it("lets a slow upload that keeps bringing bytes run past several deadlines", async () => {
    // 8 KiB every 200 ms for ~2.4 s: four deadline windows, each bringing ≥ 1 KiB.
    expect(await send("/upload", 12 * 8192, 8192, 200)).toBe("HTTP/1.1 200 OK");
  });

  it("cuts an upload trickling fewer bytes per window than the minimum", async () => {
    expect(await send("/upload", 10_000, 10, 100)).toBe("HTTP/1.1 408 Request Timeout");
  });
});
