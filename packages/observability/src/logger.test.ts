import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger";

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe("createLogger", () => {
  it("censors identifier-bearing fields at top level and one level down", () => {
    const { lines, stream } = capture();
    const log = createLogger("test", "info", stream);
    log.info({ identifier: "5304218", record: { sealedIdentifier: "abc", state: "nsw" } }, "hello");
    const line = lines.join("");
    expect(line).not.toContain("5304218");
    expect(line).not.toContain('"abc"');
    expect(JSON.parse(line).record.state).toBe("nsw");
  });

  it("censors the authorization header of a request", () => {
    const { lines, stream } = capture();
    createLogger("test", "info", stream).info({
      req: { headers: { authorization: "Bearer x.y.z" } },
    });
    expect(lines.join("")).not.toContain("x.y.z");
  });
});
