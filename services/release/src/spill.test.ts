import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SpillFiles } from "./spill";

const dir = mkdtempSync(join(tmpdir(), "krp-spill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SpillFiles", () => {
  it("reads back exactly the lines appended to each file, multi-byte and longer than a buffer included", () => {
    const files = new SpillFiles(dir, "f", 3);
    const long = "é".repeat(40_000); // 80,000 bytes: more than one 64 KiB buffer
    const expected: string[][] = [[], [], []];
    for (let n = 0; n < 5_000; n++) {
      const line = n === 2_500 ? long : `${n} ${"€".repeat(n % 7)} ${"x".repeat(n % 300)}`;
      files.append(n % 2, line);
      (expected[n % 2] as string[]).push(line);
    }
    files.flush();
    expect(files.lines(0)).toEqual(expected[0]);
    expect(files.lines(1)).toEqual(expected[1]);
    expect(files.lines(2)).toEqual([]);
    expect([...files.stream(0)].flat()).toEqual(expected[0]);
  });

  it("discard drops what is buffered and leaves no file open", () => {
    const files = new SpillFiles(dir, "g", 1);
    files.append(0, "kept only in memory");
    files.discard();
    expect(files.lines(0)).toEqual([]);
  });
});
