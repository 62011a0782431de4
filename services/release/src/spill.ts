/**
 * Temporary files an extract build spills to, so that a million persons never sit in
 * memory at once: lines appended through a small buffer, read back whole (a bucket) or
 * line by line (a stream). A line is encoded into its file's byte buffer at once, so
 * the string dies young: buffering strings kept ~50,000 persons' lines alive across
 * garbage collections, which then copied and promoted them. Files are created mode 0600 inside the build's own 0700
 * directory and removed with it; they hold project pseudonyms, linkage pseudonyms,
 * class ids and level-0 values (what is released, or less), never a raw identifier.
 */
import { closeSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";

/** Bytes buffered per file before a write. */
const BUFFER_BYTES = 64 * 1024;
/** Bytes read per step when streaming a file back. */
const READ_BYTES = 1 << 20;

/** `count` line files `dir/prefix0` … `dir/prefix{count-1}`, appended to in any order. */
export class SpillFiles {
  /** Per file: its buffer (allocated on first append), bytes used, and its descriptor. */
  private readonly buffers: (Buffer | undefined)[];
  private readonly used: number[];
  private readonly fds: (number | undefined)[];

  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    count: number,
  ) {
    this.buffers = new Array(count).fill(undefined);
    this.used = new Array(count).fill(0);
    this.fds = new Array(count).fill(undefined);
  }

  /** Appends `line` (without its newline) to file `i`. */
  append(i: number, line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const most = line.length * 3 + 1;
    if ((this.used[i] as number) + most > BUFFER_BYTES) this.flushOne(i);
    if (most > BUFFER_BYTES) {
      this.writeOut(i, Buffer.from(`${line}\n`, "utf8"));
      return;
    }
    let buffer = this.buffers[i];
    if (buffer === undefined) {
      buffer = Buffer.allocUnsafe(BUFFER_BYTES);
      this.buffers[i] = buffer;
    }
    let at = this.used[i] as number;
    at += buffer.write(line, at, "utf8");
    buffer[at] = 0x0a;
    this.used[i] = at + 1;
  }

  /** Writes every buffer out and closes the files; call before reading. */
  flush(): void {
    for (let i = 0; i < this.buffers.length; i++) {
      this.flushOne(i);
      const fd = this.fds[i];
      if (fd !== undefined) closeSync(fd);
      this.fds[i] = undefined;
    }
  }

  /** Closes the files without writing what is still buffered: after a failed build. */
  discard(): void {
    for (let i = 0; i < this.fds.length; i++) {
      const fd = this.fds[i];
      if (fd !== undefined) closeSync(fd);
      this.fds[i] = undefined;
      this.used[i] = 0;
    }
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
    const used = this.used[i] as number;
    if (used === 0) return;
    this.writeOut(i, (this.buffers[i] as Buffer).subarray(0, used));
    this.used[i] = 0;
  }

  private writeOut(i: number, bytes: Uint8Array): void {
    let fd = this.fds[i];
    if (fd === undefined) {
      fd = openSync(this.path(i), "a", 0o600);
      this.fds[i] = fd;
    }
    for (let done = 0; done < bytes.length; )
      done += writeSync(fd, bytes, done, bytes.length - done);
  }
}
