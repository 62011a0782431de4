/**
 * Temporary files an extract build spills to, so that a million persons never sit in
 * memory at once: lines appended through a small buffer, read back whole (a bucket) or
 * line by line (a stream). Files are created mode 0600 inside the build's own 0700
 * directory and removed with it; they hold project pseudonyms, linkage pseudonyms,
 * class ids and level-0 values (what is released, or less), never a raw identifier.
 */
import { appendFileSync, closeSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";

/** Characters buffered per file before an append. */
const FLUSH_CHARS = 64 * 1024;
/** Bytes read per step when streaming a file back. */
const READ_BYTES = 1 << 20;

/** `count` line files `dir/prefix0` … `dir/prefix{count-1}`, appended to in any order. */
export class SpillFiles {
  private readonly buffers: string[];

  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    count: number,
  ) {
    this.buffers = Array.from({ length: count }, () => "");
  }

  /** Appends `line` (without its newline) to file `i`. */
  append(i: number, line: string): void {
    const buffer = `${this.buffers[i] as string}${line}\n`;
    this.buffers[i] = buffer;
    if (buffer.length > FLUSH_CHARS) this.flushOne(i);
  }

  /** Writes every buffer out; call before reading. */
  flush(): void {
    for (let i = 0; i < this.buffers.length; i++) if (this.buffers[i] !== "") this.flushOne(i);
  }

  /** The lines of file `i` (empty if nothing was appended to it). */
  lines(i: number): string[] {
    let text: string;
    try {
      text = readFileSync(this.path(i), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    const lines = text.split("\n");
    lines.pop(); // after the last newline
    return lines;
  }

  /**
   * The lines of file `i` in order, read `READ_BYTES` at a time: memory stays at one
   * step whatever the file's size.
   */
  *stream(i: number): Generator<string[]> {
    let fd: number;
    try {
      fd = openSync(this.path(i), "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    try {
      const buffer = Buffer.alloc(READ_BYTES);
      // Carries a UTF-8 sequence split across two steps over to the next.
      const decoder = new StringDecoder("utf8");
      let rest = "";
      for (;;) {
        const n = readSync(fd, buffer, 0, READ_BYTES, null);
        if (n === 0) break;
        const lines = (rest + decoder.write(buffer.subarray(0, n))).split("\n");
        rest = lines.pop() as string;
        if (lines.length > 0) yield lines;
      }
      rest += decoder.end();
      if (rest !== "") yield [rest];
    } finally {
      closeSync(fd);
    }
  }

  private path(i: number): string {
    return join(this.dir, `${this.prefix}${i}`);
  }

  private flushOne(i: number): void {
    appendFileSync(this.path(i), this.buffers[i] as string, { mode: 0o600 });
    this.buffers[i] = "";
  }
}
