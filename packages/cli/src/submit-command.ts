/**
 * `kruispunt submit FILE --dataset D`: the agency data steward's upload. Streams a
 * CSV or NDJSON file (gzip if it ends in .gz) to intake under an upload id chosen
 * here, shows progress from the upload's status endpoint (records per second,
 * accepted, refused; the bar is the share of the file sent), re-sends the file
 * under the same upload id when the connection breaks or intake answers 503 (after
 * its Retry-After; records already accepted come back "unchanged"), then writes the
 * verdict file (NDJSON, one line per record) and exits 1 if any record was refused.
 */
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import type { Claims } from "@kruispunt/auth";
import { ApiError, type KruispuntClient } from "./client";

export interface SubmitOptions {
  client: KruispuntClient;
  as: Claims;
  dataset: string;
  file: string;
  /** Where the verdict file goes (default FILE.verdicts.ndjson). */
  verdictsPath?: string;
  uploadId?: string;
  /** Re-sends after a broken connection or a 503 (default 5). */
  retries?: number;
  /** Progress lines go here (default stderr); `tty` redraws one line. */
  progress?: { write: (text: string) => void; tty: boolean };
  /** Status poll interval in ms (default 500). */
  pollMs?: number;
}

export interface SubmitResult {
  uploadId: string;
  submitted: number;
  accepted: number;
  refused: number;
  /** Undeclared columns intake ignored (contract extraColumns "ignore"), names only. */
  ignoredColumns: string[];
  attempts: number;
  verdictsPath: string;
}

/** Media type and content encoding for a file name: .csv / .ndjson / .jsonl, optionally .gz. */
export function uploadTypeOf(file: string): { type: string; encoding?: string } {
  const gz = /\.gz$/i.test(file);
  const base = file.replace(/\.gz$/i, "");
  const type = /\.(ndjson|jsonl)$/i.test(base) ? "application/x-ndjson" : "text/csv";
  return gz ? { type, encoding: "gzip" } : { type };
}

/**
 * Renders one progress line: bar (share of bytes sent), records, records/s, accepted,
 * refused, and, when the upload ignored undeclared columns (contract extraColumns
 * "ignore"; intake names them once the upload is complete), their names.
 */
export function progressLine(
  sentShare: number,
  s: { submitted: number; accepted: number; refused: number; ignoredColumns?: string[] },
  perSecond: number,
): string {
  const width = 24;
  const filled = Math.round(Math.min(1, Math.max(0, sentShare)) * width);
  const n = (x: number) => x.toLocaleString("en-US");
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${n(s.submitted)} records  ${n(Math.round(perSecond))}/s  accepted ${n(s.accepted)}  refused ${n(s.refused)}${ignoredColumnsNote(s.ignoredColumns)}`;
}

/** "  ignored columns: a, b" for an upload that ignored undeclared columns, else "". */
export function ignoredColumnsNote(columns: readonly string[] = []): string {
  return columns.length > 0 ? `  ignored columns: ${columns.join(", ")}` : "";
}

/**
 * Uploads `file` and writes its verdict file. Resolves with the counts; rejects with
 * ApiError for a 4xx (e.g. 400 for an unreadable file) or when retries run out.
 */
export async function submitFile(options: SubmitOptions): Promise<SubmitResult> {
  const { client, as, dataset, file } = options;
  const uploadId = options.uploadId ?? randomUUID();
  const verdictsPath = options.verdictsPath ?? `${file}.verdicts.ndjson`;
  const out = options.progress ?? {
    write: (t: string) => process.stderr.write(t),
    tty: process.stderr.isTTY === true,
  };
  const size = statSync(file).size;
  const { type, encoding } = uploadTypeOf(file);
  const retries = options.retries ?? 5;
  let sent = 0;
  let attempts = 0;
  const started = Date.now();
  let lastPrinted = 0;
  const poll = setInterval(() => {
    void client
      .request<{ submitted: number; accepted: number; refused: number }>(
        "intake",
        "GET",
        `/v1/uploads/${uploadId}`,
        as,
      )
      .then((s) => {
        const line = progressLine(sent / size, s, s.submitted / ((Date.now() - started) / 1000));
        if (out.tty) out.write(`\r${line}`);
        else if (Date.now() - lastPrinted >= 2000) {
          out.write(`${line}\n`);
          lastPrinted = Date.now();
        }
      })
      .catch(() => {}); // not begun yet, or a blip: the next poll tries again
  }, options.pollMs ?? 500);
  try {
    for (;;) {
      attempts += 1;
      sent = 0;
      const counted = createReadStream(file).pipe(
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            sent += chunk.length;
            done(null, chunk);
          },
        }),
      );
      let response: Response | null = null;
      let failure: unknown = null;
      try {
        response = await fetch(`${client.url("intake")}/v1/datasets/${dataset}/uploads`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${client.token(as)}`,
            "content-type": type,
            "upload-id": uploadId,
            ...(encoding ? { "content-encoding": encoding } : {}),
          },
          body: Readable.toWeb(counted) as ReadableStream,
          duplex: "half",
        } as RequestInit);
      } catch (error) {
        failure = error;
      }
      if (response?.ok) {
        const verdict = (await response.json()) as {
          submitted: number;
          accepted: number;
          refused: number;
          ignoredColumns?: string[];
        };
        clearInterval(poll);
        const line = progressLine(1, verdict, verdict.submitted / ((Date.now() - started) / 1000));
        out.write(out.tty ? `\r${line}\n` : `${line}\n`);
        await writeVerdicts(client, as, uploadId, verdictsPath);
        return {
          uploadId,
          submitted: verdict.submitted,
          accepted: verdict.accepted,
          refused: verdict.refused,
          ignoredColumns: verdict.ignoredColumns ?? [],
          attempts,
          verdictsPath,
        };
      }
      const retryable = failure !== null || response?.status === 503;
      const body = response ? await response.json().catch(() => null) : null;
      if (!retryable || attempts > retries) {
        if (response) throw new ApiError(response.status, body, `submit ${file}`);
        throw failure;
      }
      const wait = Number(response?.headers.get("retry-after") ?? "2");
      out.write(
        `\n${response ? `intake answered ${response.status}` : "the connection broke"}; re-sending under upload id ${uploadId} in ${wait} s\n`,
      );
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
  } finally {
    clearInterval(poll);
  }
}

async function writeVerdicts(
  client: KruispuntClient,
  as: Claims,
  uploadId: string,
  path: string,
): Promise<void> {
  const response = await fetch(`${client.url("intake")}/v1/uploads/${uploadId}/verdicts`, {
    headers: { authorization: `Bearer ${client.token(as)}` },
  });
  if (!response.ok || !response.body)
    throw new ApiError(response.status, await response.text(), "GET verdicts");
  await pipeline(
    Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
    createWriteStream(path),
  );
}

/** `submit FILE --dataset D [--as AGENCY] [--verdicts OUT] [--upload-id UUID]`; returns the exit code. */
export async function submitCommand(args: string[], client: KruispuntClient): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      as: { type: "string" },
      dataset: { type: "string" },
      verdicts: { type: "string" },
      "upload-id": { type: "string" },
    },
  });
  const file = positionals[0];
  if (!file || !values.dataset || !values.as) {
    console.error(
      "usage: kruispunt submit FILE.csv|FILE.ndjson[.gz] --dataset NAME --as AGENCY [--verdicts OUT] [--upload-id UUID]",
    );
    return 2;
  }
  const result = await submitFile({
    client,
    as: { sub: values.as, role: "agency" },
    dataset: values.dataset,
    file,
    verdictsPath: values.verdicts,
    uploadId: values["upload-id"],
  });
  console.log(JSON.stringify(result, null, 2));
  return result.refused > 0 ? 1 : 0;
}
