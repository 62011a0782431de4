/**
 * Reads an upload's bytes as a stream of records, in bounded memory: CSV (RFC 4180
 * by csv-parse: quoted fields, embedded commas and newlines, CRLF, a UTF-8 BOM) or
 * NDJSON (one JSON object per line, https://github.com/ndjson/ndjson-spec), either
 * optionally gzip-compressed (RFC 1952). Bytes that are not UTF-8 decode to U+FFFD,
 * which the record validator refuses per field; a line that is not a JSON object is
 * refused on its own. Only what makes the whole file unreadable (no header, a
 * header without the contract's columns, unbalanced CSV quotes) is an
 * UploadFormatError.
 */
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { DatasetContract } from "@kruispunt/contracts";
import { parse } from "csv-parse";
import type { RawFields, Refusal } from "./record-validator";

export type UploadFormat = "csv" | "ndjson";

/** One record read from the file, or one line refused before it became a record. */
export type SourceItem =
  | { line: number; fields: RawFields; refusal?: undefined }
  | { line: number; fields?: undefined; refusal: Refusal };

/** Thrown when the file itself (not one record) cannot be read: bad CSV, missing columns. */
export class UploadFormatError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
  }
}

/** Largest CSV record csv-parse buffers (bytes): beyond it the file is refused (400). */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;

/** `body` decompressed when `encoding` is "gzip" (Content-Encoding), as is otherwise. */
export function decodeBody(body: Readable, encoding: string | undefined): Readable {
  if (!encoding || encoding === "identity") return body;
  if (encoding === "gzip" || encoding === "x-gzip") return body.pipe(createGunzip());
  throw new UploadFormatError(`unsupported content encoding "${encoding}": use gzip`, null);
}

/** The records of `body` in `format`, in file order. */
export function readRecords(
  body: Readable,
  format: UploadFormat,
  contract: DatasetContract,
): AsyncIterable<SourceItem> {
  return format === "csv" ? csvRecords(body, contract) : ndjsonRecords(body);
}

async function* csvRecords(body: Readable, contract: DatasetContract): AsyncIterable<SourceItem> {
  let headerSeen = false;
  const parser = parse({
    columns: (header: string[]) => {
      checkHeader(contract, header);
      headerSeen = true;
      return header;
    },
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    max_record_size: MAX_RECORD_BYTES,
    info: true,
  });
  // A stream error (e.g. bad gzip) must end the parse, not hang it.
  body.on("error", (error) => parser.destroy(error));
  body.pipe(parser);
  // csv-parse reports the line where a record ends; the verdict names where it starts.
  // Inside a quoted field csv-parse counts a CR as a line of its own (an embedded CRLF
  // as two lines, a bare CR as one): only LF ends a line in an editor, so every CR
  // seen inside values so far is taken off its count.
  let lastEnd = 1;
  let lastEmpty = 0;
  let carriageReturns = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: RawFields;
      info: { lines: number; empty_lines: number; error?: { code?: string } };
    }>) {
      const line = lastEnd + 1 + (info.empty_lines - lastEmpty);
      carriageReturns += countCarriageReturns(record);
      lastEnd = info.lines - carriageReturns;
      lastEmpty = info.empty_lines;
      // RFC 4180: every row has the header's number of fields. A row with fewer would
      // read its missing ones as blank, one with more would lose the extra value
      // unseen: refuse that row, not the file.
      if (info.error?.code === "CSV_RECORD_INCONSISTENT_COLUMNS")
        yield {
          line,
          refusal: {
            line,
            sourceRecordId: null,
            field: "",
            code: "KRP_ERR_FIELD_COUNT",
            message: "the row does not have as many fields as the header",
          },
        };
      else yield { line, fields: record };
    }
  } catch (error) {
    throw asFormatError(error);
  }
  if (!headerSeen)
    throw new UploadFormatError(
      "the file is empty: a header line naming the columns is required",
      1,
    );
}

function asFormatError(error: unknown): unknown {
  if (error instanceof UploadFormatError) return error;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof UploadFormatError) return cause;
  const csv = error as { code?: string; lines?: number };
  // csv-parse messages quote the offending text; keep only its code and line.
  if (typeof csv.code === "string" && csv.code.startsWith("CSV_"))
    return new UploadFormatError(`malformed CSV (${csv.code})`, csv.lines ?? null);
  if (csv.code === "Z_DATA_ERROR" || csv.code === "Z_BUF_ERROR")
    return new UploadFormatError("the body is not valid gzip", null);
  return error;
}

function checkHeader(contract: DatasetContract, columns: string[]): void {
  const needed = [
    contract.identifier.field,
    contract.sourceRecordId,
    ...contract.variables.map((v) => v.name),
  ];
  if (contract.versionField) needed.push(contract.versionField);
  const missing = needed.filter((c) => !columns.includes(c));
  if (missing.length > 0)
    throw new UploadFormatError(`the header lacks column(s) ${missing.join(", ")}`, 1);
}

async function* ndjsonRecords(body: Readable): AsyncIterable<SourceItem> {
  const lines = createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  let seen = false;
  try {
    for await (const text of lines) {
      line += 1;
      // A BOM before the first line is tolerated as in CSV; blank lines are skipped.
      const json = line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
      if (json.trim() === "") continue;
      seen = true;
      yield parseJsonLine(json, line);
    }
  } catch (error) {
    throw asFormatError(error);
  }
  if (!seen) throw new UploadFormatError("the file is empty: it holds no records", 1);
}

function parseJsonLine(text: string, line: number): SourceItem {
  const unreadable = (code: string, message: string, field = ""): SourceItem => ({
    line,
    refusal: { line, sourceRecordId: null, field, code, message },
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return unreadable("KRP_ERR_MALFORMED_JSON", "the line is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return unreadable("KRP_ERR_MALFORMED_JSON", "the line is not a JSON object");
  // The parsed object becomes the record's fields in place (no copy per record): its
  // members are own data properties, in the same order. Only a "__proto__" member
  // takes the copying path, where assigning it is dropped as before.
  const members = value as Record<string, unknown>;
  const names = Object.keys(members);
  if (names.includes("__proto__")) return copiedFields(members, names, line, unreadable);
  for (const name of names) {
    const v = members[name];
    if (typeof v === "string") continue;
    if (v === null) members[name] = "";
    else if (typeof v === "number" || typeof v === "boolean") members[name] = String(v);
    else return unreadable("KRP_ERR_NOT_A_SCALAR", "a field holds an object or array", name);
  }
  return { line, fields: members as RawFields };
}

function copiedFields(
  members: Record<string, unknown>,
  names: string[],
  line: number,
  unreadable: (code: string, message: string, field?: string) => SourceItem,
): SourceItem {
  const fields: RawFields = {};
  for (const name of names) {
    const v = members[name];
    if (v === null) fields[name] = "";
    else if (typeof v === "string") fields[name] = v;
    else if (typeof v === "number" || typeof v === "boolean") fields[name] = String(v);
    else return unreadable("KRP_ERR_NOT_A_SCALAR", "a field holds an object or array", name);
  }
  return { line, fields };
}

/** CR characters inside a record's values (see the line count in `csvRecords`). */
function countCarriageReturns(record: RawFields): number {
  let n = 0;
  for (const value of Object.values(record))
    if (typeof value === "string") for (const ch of value) if (ch === "\r") n++;
  return n;
}
