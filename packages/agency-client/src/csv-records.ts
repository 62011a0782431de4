/**
 * Streams one CSV upload (RFC 4180, UTF-8, optional BOM) through the dataset
 * contract: each record is either accepted (identifier validated, canonicalised and
 * sealed to the pseudonymiser — or, for a blind-mode contract, ElGamal-encrypted to the
 * linker in one call per batch — then published) or refused with its line, field and
 * reason code. Records are published in batches; a batch is counted as accepted
 * only once Kafka acknowledged it.
 */
import type { Readable } from "node:stream";
import { blindReady, encryptIdentifiers } from "@kruispunt/blind";
import {
  checkVariable,
  type DatasetContract,
  encodeEvent,
  type SourceRecord,
} from "@kruispunt/contracts";
import { BatchSealer } from "@kruispunt/crypto";
import { getScheme } from "@kruispunt/identifiers";
import { parse } from "csv-parse";

export interface Refusal {
  /** 1-based line number of the record in the file (the header is line 1). */
  line: number;
  /** The source record id, when the record had one. */
  sourceRecordId: string | null;
  field: string;
  code: string;
  message: string;
}

export interface UploadVerdict {
  uploadId: string;
  submitted: number;
  accepted: number;
  refused: number;
  refusals: Refusal[];
}

export interface UploadInput {
  agency: string;
  dataset: string;
  uploadId: string;
  contract: DatasetContract;
  body: Readable;
  sealPublicKey: Uint8Array;
  /**
   * The linker's ElGamal public key (32-byte ristretto255 element): required when the
   * contract's mode is "blind", where identifiers are encrypted to it instead of sealed.
   */
  elgamalPublicKey?: Uint8Array;
  publish: (messages: { key: string; value: Uint8Array }[]) => Promise<void>;
  batchSize?: number;
}

/** Thrown when the file itself (not one record) cannot be read: bad CSV, missing columns. */
export class UploadFormatError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
  }
}

/** Reads the whole upload; resolves with the verdict, rejects with UploadFormatError or a publish error. */
export async function processUpload(input: UploadInput): Promise<UploadVerdict> {
  const { contract } = input;
  const scheme = getScheme(contract.identifier.scheme);
  let headerSeen = false;
  const parser = input.body.pipe(
    parse({
      columns: (header: string[]) => {
        checkHeader(contract, header);
        headerSeen = true;
        return header;
      },
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }),
  );
  const verdict: UploadVerdict = {
    uploadId: input.uploadId,
    submitted: 0,
    accepted: 0,
    refused: 0,
    refusals: [],
  };
  const batchSize = input.batchSize ?? 500;
  const blind = contract.mode === "blind";
  if (blind) {
    if (!input.elgamalPublicKey)
      throw new Error("a blind-mode dataset needs the linker's ElGamal public key");
    await blindReady();
  }
  // One batch key per Kafka batch (see packages/crypto batch-seal.ts for why).
  const sealer = new BatchSealer(input.sealPublicKey, batchSize);
  // Blind mode keeps the canonical identifiers of one batch to encrypt them in one call.
  let batch: { key: string; record: SourceRecord; canonical: string }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const ciphertexts = blind
      ? encryptIdentifiers(
          input.elgamalPublicKey as Uint8Array,
          batch.map((b) => ({ scheme: b.record.scheme, canonical: b.canonical })),
        )
      : [];
    const messages = batch.map((b, i) => {
      const ciphertext = ciphertexts[i];
      const record = ciphertext
        ? { ...b.record, blindCiphertext: Buffer.from(ciphertext).toString("base64url") }
        : b.record;
      return { key: b.key, value: encodeEvent("SourceRecord", record) };
    });
    batch = [];
    await input.publish(messages);
    verdict.accepted += messages.length;
  };
  const refuse = (r: Refusal) => {
    verdict.refused += 1;
    verdict.refusals.push(r);
  };

  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string | undefined>;
      info: { lines: number };
    }>) {
      verdict.submitted += 1;
      const line = info.lines;
      const sourceRecordId = record[contract.sourceRecordId] ?? "";
      if (sourceRecordId === "" || sourceRecordId.length > 128) {
        refuse({
          line,
          sourceRecordId: null,
          field: contract.sourceRecordId,
          code: "KRP_ERR_MISSING_RECORD_ID",
          message: "the source record id is empty or longer than 128 characters",
        });
        continue;
      }
      let version = 1;
      if (contract.versionField) {
        const raw = record[contract.versionField] ?? "";
        if (!/^\d{1,15}$/.test(raw)) {
          refuse({
            line,
            sourceRecordId,
            field: contract.versionField,
            code: "KRP_ERR_BAD_VERSION",
            message: "the version must be a non-negative integer",
          });
          continue;
        }
        version = Number(raw);
      }
      const validation = scheme.validate(record[contract.identifier.field] ?? "");
      if (!validation.ok) {
        refuse({
          line,
          sourceRecordId,
          field: contract.identifier.field,
          code: validation.refusal.code,
          message: validation.refusal.message,
        });
        continue;
      }
      const variables: Record<string, string> = {};
      let bad: Refusal | null = null;
      for (const variable of contract.variables) {
        const value = record[variable.name] ?? "";
        const code = checkVariable(variable, value);
        if (code) {
          bad = {
            line,
            sourceRecordId,
            field: variable.name,
            code,
            message: `value does not conform to type ${variable.type}`,
          };
          break;
        }
        variables[variable.name] = value;
      }
      if (bad) {
        refuse(bad);
        continue;
      }
      const key = `${input.agency}/${input.dataset}/${sourceRecordId}`;
      batch.push({
        key,
        // Blind mode: no sealed copy at all, so the pseudonymiser could not open one.
        canonical: blind ? validation.canonical : "",
        record: {
          agency: input.agency,
          dataset: input.dataset,
          sourceRecordId,
          version,
          scheme: scheme.name,
          sealedIdentifier: "",
          batchSealed: blind ? null : sealer.seal(validation.canonical, key),
          variables,
          uploadId: input.uploadId,
          withdrawn: false,
        },
      });
      if (batch.length >= batchSize) await flush();
    }
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    if (error instanceof UploadFormatError) throw error;
    if (cause instanceof UploadFormatError) throw cause;
    const csv = error as { code?: string; lines?: number };
    // csv-parse messages quote the offending text; keep only its code and line.
    if (typeof csv.code === "string" && csv.code.startsWith("CSV_")) {
      throw new UploadFormatError(`malformed CSV (${csv.code})`, csv.lines ?? null);
    }
    throw error;
  }
  if (!headerSeen)
    throw new UploadFormatError(
      "the file is empty: a header line naming the columns is required",
      1,
    );
  await flush();
  return verdict;
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
