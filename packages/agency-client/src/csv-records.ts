/**
 * Streams one upload (CSV or NDJSON, record-sources.ts) through the dataset
 * contract (record-validator.ts): each record is either accepted (identifier
 * validated, canonicalised and sealed to the pseudonymiser — or, for a blind-mode
 * contract, ElGamal-encrypted to the linker in one call per batch — then published)
 * or refused with its line, field and reason code. Records go out in batches
 * through `admit`; a record counts as accepted only once `admit` resolved for its
 * batch (for intake: PostgreSQL committed after Kafka acknowledged).
 */
import type { Readable } from "node:stream";
import { blindReady, encryptIdentifiers } from "@kruispunt/blind";
import {
  contractFields,
  type DatasetContract,
  encodeEvent,
  type SourceRecord,
} from "@kruispunt/contracts";
import { BatchSealer } from "@kruispunt/crypto";
import { readRecords, type UploadFormat } from "./record-sources";
import {
  createRecordValidator,
  type IdentifierNote,
  type RawFields,
  type Refusal,
} from "./record-validator";

export type { Refusal } from "./record-validator";

/** A record ready to publish: its verdict is decided by `admit`. */
export interface Candidate {
  line: number;
  sourceRecordId: string;
  version: number;
  /** Kafka key: agency/dataset/source record id. */
  key: string;
  /** Encoded SourceRecord event. */
  value: Uint8Array;
  /** Why the record travels without an identifier (record-validator.ts), if it does. */
  note?: IdentifierNote;
}

/**
 * One line of the verdict file. `unchanged`: this version was already accepted earlier;
 * `note`: accepted without its identifier (missing or invalid), to be linked
 * probabilistically (contract identifier.whenUnusable).
 */
export type RecordVerdict =
  | {
      line: number;
      sourceRecordId: string;
      verdict: "accepted";
      unchanged?: boolean;
      note?: IdentifierNote;
    }
  | ({ verdict: "refused" } & Refusal);

export interface UploadVerdict {
  uploadId: string;
  submitted: number;
  accepted: number;
  refused: number;
  /** Of the accepted: those taken without an identifier (missing or invalid), by note. */
  withoutIdentifier: number;
  /** The first MAX_LISTED_REFUSALS refusals (all of them are in the verdict file). */
  refusals: Refusal[];
  /**
   * Under the contract's `extraColumns: "ignore"`: the names of the columns (CSV) or
   * members (NDJSON) the contract does not declare, which were dropped from every
   * record, in the order first seen; at most MAX_LISTED_COLUMNS of them, each cut to
   * 64 characters. Names only, never a value. [] when there were none (and always
   * under `extraColumns: "refuse"`, where such a record is refused instead).
   */
  ignoredColumns: string[];
}

/** At most this many refusals are kept in memory for the summary. */
export const MAX_LISTED_REFUSALS = 1000;
/** At most this many ignored column names are listed in the summary. */
export const MAX_LISTED_COLUMNS = 100;

/** What an ignored name is listed as when it looks like a value rather than a name. */
export const WITHHELD_COLUMN = "(withheld: looks like a value, not a column name)";

/**
 * Whether an undeclared name may be listed. A malformed NDJSON record can use values as
 * member names ({"85073012345": …}), and a CSV file's header row may be data: a run of
 * five or more digits or a date is withheld, so that no identifier or date of birth
 * reaches the summary or intake.uploads.ignored_columns.
 */
function listable(name: string): boolean {
  return !/\d{5}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}/.test(name);
}

/**
 * Collects the undeclared field names of an upload's records (see
 * UploadVerdict.ignoredColumns; names that look like values as WITHHELD_COLUMN, once). CSV records all carry the header's names, so after
 * the first record this is one set lookup per field.
 */
function ignoredColumnsOf(contract: DatasetContract) {
  const declared = contractFields(contract);
  const ignored = new Set<string>();
  const seen = new Set<string>(declared);
  return {
    see(fields: RawFields) {
      for (const name in fields) {
        if (seen.has(name)) continue;
        seen.add(name);
        if (ignored.size < MAX_LISTED_COLUMNS)
          ignored.add(listable(name) ? name.slice(0, 64) : WITHHELD_COLUMN);
      }
    },
    list: () => [...ignored],
  };
}

/**
 * Durably takes one batch: `candidates` to publish, and `refused` (records refused
 * while reading, for the verdict file). Resolves with one verdict per candidate, in
 * order; rejects if none of the batch may count as accepted.
 */
export type Admit = (candidates: Candidate[], refused: RecordVerdict[]) => Promise<RecordVerdict[]>;

export interface UploadInput {
  agency: string;
  dataset: string;
  uploadId: string;
  contract: DatasetContract;
  body: Readable;
  /** Default "csv". */
  format?: UploadFormat;
  sealPublicKey: Uint8Array;
  /**
   * The linker's ElGamal public key (32-byte ristretto255 element): required when the
   * contract's mode is "blind", where identifiers are encrypted to it instead of sealed.
   */
  elgamalPublicKey?: Uint8Array;
  /** Publishes one batch (acks from all in-sync replicas); used when `admit` is not given. */
  publish: (messages: { key: string; value: Uint8Array }[]) => Promise<void>;
  /** Default: publish every candidate and accept it. */
  admit?: Admit;
  /** Sees every record as read and every final verdict (intake's quality profile, issue 9). */
  observer?: UploadObserver;
  batchSize?: number;
}

export { UploadFormatError } from "./record-sources";

/**
 * Watches an upload go by, for counts only: `record` gets each record's raw fields
 * (null for a line refused before it became a record), `verdict` each record's final
 * verdict. An observer must not keep or send a value.
 */
export interface UploadObserver {
  record(fields: RawFields | null): void;
  verdict(v: RecordVerdict): void;
}

/**
 * Reads the whole upload; resolves with the verdict, rejects with UploadFormatError
 * (the file is unreadable) or whatever `admit`/`publish` rejects with (nothing after
 * the last admitted batch counts as accepted).
 */
export async function processUpload(input: UploadInput): Promise<UploadVerdict> {
  const { contract } = input;
  const validate = createRecordValidator(contract);
  const verdict: UploadVerdict = {
    uploadId: input.uploadId,
    submitted: 0,
    accepted: 0,
    refused: 0,
    withoutIdentifier: 0,
    refusals: [],
    ignoredColumns: [],
  };
  // A refusing contract refuses such records instead (record-validator.ts).
  const ignored = contract.extraColumns === "ignore" ? ignoredColumnsOf(contract) : null;
  const batchSize = input.batchSize ?? 500;
  const blind = contract.mode === "blind";
  if (blind) {
    if (!input.elgamalPublicKey)
      throw new Error("a blind-mode dataset needs the linker's ElGamal public key");
    await blindReady();
  }
  const admit: Admit =
    input.admit ??
    (async (candidates) => {
      await input.publish(candidates.map(({ key, value }) => ({ key, value })));
      return candidates.map((c) => ({
        line: c.line,
        sourceRecordId: c.sourceRecordId,
        verdict: "accepted" as const,
        ...(c.note ? { note: c.note } : {}),
      }));
    });
  const count = (v: RecordVerdict) => {
    input.observer?.verdict(v);
    if (v.verdict === "accepted") {
      verdict.accepted += 1;
      if (v.note) verdict.withoutIdentifier += 1;
      return;
    }
    verdict.refused += 1;
    if (verdict.refusals.length < MAX_LISTED_REFUSALS) {
      const { verdict: _, ...refusal } = v;
      verdict.refusals.push(refusal);
    }
  };
  // One batch key per Kafka batch (see packages/crypto batch-seal.ts for why).
  const sealer = new BatchSealer(input.sealPublicKey, batchSize);
  // Blind mode keeps the canonical identifiers of one batch to encrypt them in one call.
  let batch: {
    line: number;
    key: string;
    record: SourceRecord;
    canonical: string;
    note: IdentifierNote | null;
  }[] = [];
  let refused: RecordVerdict[] = [];
  // Source record ids in this batch; repeats across batches are the admitter's to find.
  let inBatch = new Map<string, number>();
  const flush = async () => {
    if (batch.length === 0 && refused.length === 0) return;
    const ciphertexts =
      blind && batch.length > 0
        ? encryptIdentifiers(
            input.elgamalPublicKey as Uint8Array,
            batch.map((b) => ({ scheme: b.record.scheme, canonical: b.canonical })),
          )
        : [];
    const candidates = batch.map((b, i) => {
      const ciphertext = ciphertexts[i];
      const record = ciphertext
        ? { ...b.record, blindCiphertext: Buffer.from(ciphertext).toString("base64url") }
        : b.record;
      return {
        line: b.line,
        sourceRecordId: b.record.sourceRecordId,
        version: b.record.version,
        key: b.key,
        value: encodeEvent("SourceRecord", record),
        ...(b.note ? { note: b.note } : {}),
      };
    });
    const pendingRefused = refused;
    batch = [];
    refused = [];
    inBatch = new Map();
    // One batch is admitted while the next one is read: admit waits on PostgreSQL
    // and Kafka, reading on the CPU. Batches are still admitted one after another,
    // in file order (the admitter's duplicate check and through_line rely on it).
    await settle();
    inFlight = admit(candidates, pendingRefused).then((verdicts) => ({
      verdicts,
      refused: pendingRefused,
    }));
    // Handled by the next settle(); until then a rejection must not count as unhandled.
    inFlight.catch(() => {});
  };
  let inFlight: Promise<{ verdicts: RecordVerdict[]; refused: RecordVerdict[] }> | null = null;
  /** Waits for the batch being admitted and counts its verdicts; rethrows its failure. */
  const settle = async () => {
    if (!inFlight) return;
    const done = await inFlight;
    inFlight = null;
    for (const v of [...done.refused, ...done.verdicts].sort((a, b) => a.line - b.line)) count(v);
  };

  /** The file's records; if it breaks off, the batch in flight finishes first (its outcome stands). */
  async function* records() {
    try {
      yield* readRecords(input.body, input.format ?? "csv", contract);
    } catch (error) {
      await inFlight?.catch(() => {});
      throw error;
    }
  }
  for await (const item of records()) {
    verdict.submitted += 1;
    input.observer?.record(item.fields ?? null);
    if (ignored && item.fields) ignored.see(item.fields);
    const checked = item.refusal
      ? { ok: false as const, refusal: item.refusal }
      : validate(item.fields, item.line);
    if (!checked.ok) {
      refused.push({ verdict: "refused", ...checked.refusal });
    } else {
      const { record } = checked;
      const first = inBatch.get(record.sourceRecordId);
      if (first !== undefined) {
        refused.push(
          duplicateRefusal(item.line, record.sourceRecordId, contract.sourceRecordId, first),
        );
      } else {
        inBatch.set(record.sourceRecordId, item.line);
        const key = `${input.agency}/${input.dataset}/${record.sourceRecordId}`;
        const note = record.identifierNote;
        batch.push({
          line: item.line,
          key,
          note,
          // Blind mode: no sealed copy at all, so the pseudonymiser could not open one.
          canonical: blind ? record.canonical : "",
          record: {
            agency: input.agency,
            dataset: input.dataset,
            sourceRecordId: record.sourceRecordId,
            version: record.version,
            scheme: record.scheme,
            sealedIdentifier: "",
            // Without a usable identifier nothing is sealed: only the reason code travels.
            batchSealed: blind || note ? null : sealer.seal(record.canonical, key),
            missingIdentifier: note?.code ?? "",
            sealedQuasiIdentifiers: sealQuasiIdentifiers(
              sealer,
              record.quasiIdentifiers,
              key,
              blind,
            ),
            variables: record.variables,
            uploadId: input.uploadId,
            withdrawn: false,
          },
        });
      }
    }
    if (batch.length + refused.length >= batchSize) await flush();
  }
  await flush();
  await settle();
  verdict.ignoredColumns = ignored?.list() ?? [];
  return verdict;
}

/**
 * The record's quasi-identifiers as one JSON object, batch-sealed to the pseudonymiser
 * under associated data `${key}#qi` (so the sealed value cannot be swapped with the
 * identifier's or another record's). None in blind mode (its pseudonymiser holds no key
 * to encode them with) or when the record has none.
 */
export function sealQuasiIdentifiers(
  sealer: BatchSealer,
  quasiIdentifiers: Record<string, string>,
  key: string,
  blind: boolean,
): SourceRecord["sealedQuasiIdentifiers"] {
  if (blind || Object.keys(quasiIdentifiers).length === 0) return null;
  return sealer.seal(JSON.stringify(quasiIdentifiers), `${key}#qi`);
}

/** The refusal of a record whose source record id (in `field`) already occurred at `firstLine` of the file. */
export function duplicateRefusal(
  line: number,
  sourceRecordId: string,
  field: string,
  firstLine: number,
): RecordVerdict {
  return {
    verdict: "refused",
    line,
    sourceRecordId,
    field,
    code: "KRP_ERR_DUPLICATE_RECORD_ID",
    message: `the source record id already occurs at line ${firstLine} of this file`,
  };
}
