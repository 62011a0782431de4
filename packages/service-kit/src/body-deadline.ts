/**
 * Request deadlines that do not cut long uploads. Node's own `requestTimeout` gives a
 * whole request (headers and body) one fixed deadline, which would end a 1M-record
 * upload streaming for minutes. Instead:
 * - headers must arrive within `deadlineMs` (Node's headersTimeout);
 * - a body must arrive within `deadlineMs` of the request, except on routes with
 *   `config: { streamingBody: true }`, whose body need only keep coming: at least
 *   `minBytesPerWindow` bytes every `deadlineMs`, or the server itself holding it back
 *   (its read buffer full while earlier records are admitted) — so a slow but
 *   progressing upload goes on, and a client trickling bytes is still cut off;
 * - a request past its deadline is answered as Node answers one, `408 Request Timeout`
 *   with `Connection: close`, and its socket is closed.
 */
import type { FastifyInstance } from "fastify";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The body is streamed to the handler and may take long: see body-deadline.ts. */
    streamingBody?: boolean;
  }
}

/** Bytes a streaming body must bring per deadline window (≈ 550 B/s at 120 s). */
export const MIN_STREAMING_BYTES_PER_WINDOW = 64 * 1024;

const TIMEOUT_RESPONSE = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

/** Adds the body deadlines to `app` (whose server has requestTimeout 0). */
export function registerBodyDeadline(
  app: FastifyInstance,
  deadlineMs: number,
  minBytesPerWindow = MIN_STREAMING_BYTES_PER_WINDOW,
): void {
  app.addHook("onRequest", (request, reply, done) => {
    const raw = request.raw;
    const socket = raw.socket;
    if (raw.complete) return done();
    const streaming = request.routeOptions.config?.streamingBody === true;
    let seen = socket.bytesRead;
    let timer: NodeJS.Timeout;
    const check = () => {
      if (raw.complete || socket.destroyed || reply.sent) return;
      const held = raw.readableLength >= raw.readableHighWaterMark;
      if (streaming && (held || socket.bytesRead - seen >= minBytesPerWindow)) {
        seen = socket.bytesRead;
        timer = setTimeout(check, deadlineMs);
        timer.unref();
        return;
      }
      request.log.warn({ streaming }, "request body past its deadline: 408");
      if (reply.raw.headersSent) socket.destroy();
      else socket.end(TIMEOUT_RESPONSE, () => socket.destroy());
    };
    timer = setTimeout(check, deadlineMs);
    timer.unref();
    reply.raw.once("close", () => clearTimeout(timer));
    done();
  });
}
