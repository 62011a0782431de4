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

describe("redaction of quasi-identifiers at any depth", () => {
  it("censors names, dates of birth and addresses however deep and however spelled", () => {
    const { lines, stream } = capture();
    createLogger("test", "info", stream).info(
      {
        upload: { rows: [{ person: { given_name: "michaela", Surname: "neumann" } }] },
        dateOfBirth: "19151111",
        extra: { "address-1": "stanley street", soc_sec_id: "5304218", state: "nsw" },
      },
      "hello",
    );
    const line = lines.join("");
    for (const raw of ["michaela", "neumann", "19151111", "stanley", "5304218"])
      expect(line).not.toContain(raw);
    expect(JSON.parse(line).extra.state).toBe("nsw");
    expect(JSON.parse(line).name).toBe("test");
  });

  it("logs an error's type and stack frames, not its message", () => {
    const { lines, stream } = capture();
    createLogger("test", "info", stream).error({ err: new Error("bad id 5304218") }, "failed");
    const line = JSON.parse(lines.join(""));
    expect(JSON.stringify(line)).not.toContain("5304218");
    expect(line.err.type).toBe("Error");
    expect(line.err.stack).toMatch(/^\s+at /);
  });
});
