/**
 * Writes synthetic rows to files as CSV (RFC 4180, CRLF line ends, header first) or
 * NDJSON, one file per agency plus an optional truth file (`a_record_id,b_record_id`
 * per copied person), respecting each stream's back-pressure so memory stays bounded
 * at about one chunk per file.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { type GenerateOptions, generateRows } from "./generate";
import { COLUMNS, type SyntheticRecord } from "./person";

export type Format = "csv" | "ndjson";

/** One CSV field, quoted when it holds a comma, quote, CR or LF (RFC 4180 §2.6–2.7). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export const CSV_HEADER = `${COLUMNS.join(",")}\r\n`;

/** One record as a line of `format`, line end included. */
export function formatRecord(record: SyntheticRecord, format: Format): string {
  if (format === "ndjson") return `${JSON.stringify(record)}\n`;
  let line = "";
  for (const column of COLUMNS) line += (line === "" ? "" : ",") + csvField(record[column]);
  return `${line}\r\n`;
}

export interface WriteOptions extends GenerateOptions {
  format: Format;
  /** Output path per agency. */
  paths: { a: string; b?: string };
  /** Where to write the true pairs (two agencies only). */
  truthPath?: string;
}

/** Lines are gathered into chunks of this many characters before a write. */
const CHUNK = 1 << 16;

class ChunkedFile {
  private buffer = "";
  constructor(readonly stream: WriteStream) {}
  async add(text: string): Promise<void> {
    this.buffer += text;
    if (this.buffer.length >= CHUNK) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.buffer === "") return;
    const ok = this.stream.write(this.buffer);
    this.buffer = "";
    if (!ok) await once(this.stream, "drain");
  }
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
  }
}

/** Writes the files; resolves with the number of records per agency and of true pairs. */
export async function writeSynthetic(
  options: WriteOptions,
): Promise<{ a: number; b: number; pairs: number }> {
  const agencies = options.paths.b ? 2 : 1;
  const files = {
    a: new ChunkedFile(createWriteStream(options.paths.a)),
    b: options.paths.b ? new ChunkedFile(createWriteStream(options.paths.b)) : undefined,
  };
  const truth =
    options.truthPath && agencies === 2
      ? new ChunkedFile(createWriteStream(options.truthPath))
      : undefined;
  const counts = { a: 0, b: 0, pairs: 0 };
  if (options.format === "csv") {
    await files.a.add(CSV_HEADER);
    await files.b?.add(CSV_HEADER);
  }
  await truth?.add("a_record_id,b_record_id\n");
  for (const row of generateRows({ ...options, agencies })) {
    await files[row.agency]?.add(formatRecord(row.record, options.format));
    counts[row.agency] += 1;
    if (row.duplicateOf) {
      counts.pairs += 1;
      await truth?.add(`${row.duplicateOf},${row.record.record_id}\n`);
    }
  }
  await Promise.all([files.a.close(), files.b?.close(), truth?.close()]);
  return counts;
}
