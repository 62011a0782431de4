/**
 * Kafka intake: an agency with Kafka access produces SourceRecords (identifier sealed
 * to the pseudonymiser, as `processUpload` makes them) to `intake.<agency>`; intake
 * checks each one with the same per-record validator as HTTP uploads
 * (`createRecordValidator`, identifier rule left to the agency and the pseudonymiser,
 * who can read it), forwards the accepted ones to records.intake and publishes one
 * IntakeVerdict per record to `intake.<agency>.verdicts`.
 *
 * Kafka ACLs are not configured in this deployment, so nothing at the broker stops
 * an agency from producing into another agency's topic: intake enforces it by
 * refusing every record whose `agency` is not the topic's (KRP_ERR_AGENCY_MISMATCH).
 * The refusal names the topic's agency, who sees it on its own verdict topic.
 *
 * Delivery is at least once: accepted records are published before the verdicts and
 * the offset is committed after both, so a crash re-sends both (records are
 * idempotent downstream by agency/dataset/source record id/version).
 */
import {
  createRecordValidator,
  type FieldProblem,
  type IdentifierNote,
  identifierNote,
  type RecordValidator,
} from "@kruispunt/agency-client";
import {
  agencyTopicSpecs,
  agencyTopics,
  type Bus,
  type BusMessage,
  KAFKA_AGENCY_NAME,
  TOPICS,
} from "@kruispunt/bus";
import {
  type DatasetContract,
  decodeEvent,
  encodeEvent,
  type IntakeVerdict,
  type SourceRecord,
} from "@kruispunt/contracts";
import type { Logger } from "@kruispunt/observability";

export interface KafkaIntakeDeps {
  bus: Bus;
  logger: Logger;
  /** The agency's contract for `dataset`, or null if it registered none. */
  loadContract: (agency: string, dataset: string) => Promise<DatasetContract | null>;
  /** Called once per batch with the counts (for metrics and the audit trail). */
  onBatch?: (
    agency: string,
    counts: { accepted: number; refused: number; noIdentifier: number },
  ) => Promise<void>;
}

/** Fixed refusal messages of the Kafka path (never a value). */
const MESSAGES = {
  KRP_ERR_MALFORMED_EVENT: "the message is not a kruispunt.v1.SourceRecord",
  KRP_ERR_AGENCY_MISMATCH: "the record names another agency than this intake topic's",
  KRP_ERR_UNKNOWN_DATASET: "the agency has registered no dataset of this name",
  KRP_ERR_WRONG_SCHEME: "the record's identifier scheme is not the dataset contract's",
  KRP_ERR_NOT_SEALED:
    "the identifier must arrive sealed to the pseudonymiser (or, for a blind-mode dataset, encrypted to the linker)",
  KRP_ERR_IDENTIFIER_REQUIRED:
    'the dataset contract does not accept records without an identifier (identifier.whenUnusable is "refuse")',
  KRP_ERR_BAD_MISSING_IDENTIFIER:
    "a record without an identifier carries a KRP_ID_* reason code, no identifier in any form, and sealed quasi-identifiers",
} as const;

type Outcome =
  | { ok: true; record: SourceRecord; note?: IdentifierNote }
  | { ok: false; field: string; code: string; message: string; problems?: FieldProblem[] };

/**
 * Judges one message from `intake.<agency>`. Rules, in order: decodable SourceRecord;
 * `agency` equals the topic's; the dataset is registered; the scheme is the
 * contract's; the identifier is sealed as the contract's mode requires, or, for a
 * record without one, `withoutIdentifier`'s rules; then the HTTP path's validator on
 * the source record id, version and variables.
 */
export async function judgeMessage(
  agency: string,
  message: BusMessage,
  contractFor: (
    dataset: string,
  ) => Promise<{ contract: DatasetContract; validate: RecordValidator } | null>,
): Promise<{ outcome: Outcome; record: Partial<SourceRecord> }> {
  let record: SourceRecord;
  try {
    record = decodeEvent("SourceRecord", message.value);
  } catch {
    return { outcome: refusal("", "KRP_ERR_MALFORMED_EVENT"), record: {} };
  }
  if (record.agency !== agency)
    return { outcome: refusal("agency", "KRP_ERR_AGENCY_MISMATCH"), record };
  const found = await contractFor(record.dataset);
  if (!found) return { outcome: refusal("dataset", "KRP_ERR_UNKNOWN_DATASET"), record };
  const { contract, validate } = found;
  if (record.scheme !== contract.identifier.scheme)
    return { outcome: refusal(contract.identifier.field, "KRP_ERR_WRONG_SCHEME"), record };
  if (record.missingIdentifier && !record.withdrawn)
    return withoutIdentifier(record, contract, validate);
  const sealed =
    contract.mode === "blind"
      ? record.blindCiphertext !== "" && !record.batchSealed && record.sealedIdentifier === ""
      : (record.batchSealed?.ciphertext ?? "") !== "" || record.sealedIdentifier !== "";
  if (!sealed && !record.withdrawn)
    return { outcome: refusal(contract.identifier.field, "KRP_ERR_NOT_SEALED"), record };
  return { outcome: checkFields(record, contract, validate), record };
}

/** The HTTP path's validator on the record's source record id, version and variables. */
function checkFields(
  record: SourceRecord,
  contract: DatasetContract,
  validate: RecordValidator,
): Outcome {
  const fields: Record<string, string> = {
    ...record.variables,
    [contract.sourceRecordId]: record.sourceRecordId,
  };
  if (contract.versionField) fields[contract.versionField] = String(record.version);
  const verdict = validate(fields, 0);
  if (!verdict.ok) {
    const { field, code, message, problems } = verdict.refusal;
    return { ok: false, field, code, message, ...(problems ? { problems } : {}) };
  }
  return {
    ok: true,
    record: { ...record, version: verdict.record.version, variables: verdict.record.variables },
  };
}

/**
 * A record produced without an identifier (missing_identifier set): accepted, with a
 * note, only if the contract links such records probabilistically, the reason is a
 * KRP_ID_* code, no identifier travels in any form and the quasi-identifiers are sealed
 * (intake cannot read them; the pseudonymiser refuses a record without any).
 */
function withoutIdentifier(
  record: SourceRecord,
  contract: DatasetContract,
  validate: RecordValidator,
): { outcome: Outcome; record: Partial<SourceRecord> } {
  const field = contract.identifier.field;
  if (contract.identifier.whenUnusable !== "link_probabilistically")
    return { outcome: refusal(field, "KRP_ERR_IDENTIFIER_REQUIRED"), record };
  const note = identifierNote(field, record.missingIdentifier ?? "");
  const clean =
    note !== null &&
    !record.batchSealed?.ciphertext &&
    record.sealedIdentifier === "" &&
    !record.blindCiphertext &&
    (record.sealedQuasiIdentifiers?.ciphertext ?? "") !== "";
  if (!clean) return { outcome: refusal(field, "KRP_ERR_BAD_MISSING_IDENTIFIER"), record };
  const outcome = checkFields(record, contract, validate);
  return { outcome: outcome.ok ? { ...outcome, note } : outcome, record };
}

function refusal(field: string, code: keyof typeof MESSAGES | string, message?: string): Outcome {
  return { ok: false, field, code, message: message ?? MESSAGES[code as keyof typeof MESSAGES] };
}

/**
 * Handles one fetched batch of `intake.<agency>`: forwards the accepted records to
 * records.intake, then publishes every verdict. Rejects (→ Kafka redelivers the batch)
 * only if Kafka does not acknowledge.
 */
export async function handleIntakeBatch(
  deps: KafkaIntakeDeps,
  agency: string,
  messages: BusMessage[],
): Promise<void> {
  // One compiled validator per dataset and batch: a re-registered contract applies from the next batch.
  const contracts = new Map<
    string,
    { contract: DatasetContract; validate: RecordValidator } | null
  >();
  const contractFor = async (dataset: string) => {
    if (!contracts.has(dataset)) {
      const contract = await deps.loadContract(agency, dataset);
      contracts.set(
        dataset,
        contract
          ? { contract, validate: createRecordValidator(contract, { identifier: "sealed" }) }
          : null,
      );
    }
    return contracts.get(dataset) ?? null;
  };
  const forward: { key: string; value: Uint8Array }[] = [];
  const verdicts: { key: string; value: Uint8Array }[] = [];
  let refused = 0;
  let noIdentifier = 0;
  for (const message of messages) {
    const { outcome, record } = await judgeMessage(agency, message, contractFor);
    const verdict: IntakeVerdict = {
      agency,
      dataset: record.dataset ?? "",
      sourceRecordId: record.sourceRecordId ?? "",
      version: record.version ?? 0,
      uploadId: record.uploadId ?? "",
      accepted: outcome.ok,
      // A refusal's field, code and message, or an accepted record's identifier note.
      ...(outcome.ok
        ? {
            field: outcome.note?.field ?? "",
            code: outcome.note?.code ?? "",
            message: outcome.note?.message ?? "",
          }
        : { field: outcome.field, code: outcome.code, message: outcome.message }),
      partition: message.partition,
      offset: message.offset,
      problems: (!outcome.ok && outcome.problems) || [],
    };
    if (outcome.ok) {
      const r = outcome.record;
      if (outcome.note) noIdentifier++;
      forward.push({
        key: `${r.agency}/${r.dataset}/${r.sourceRecordId}`,
        value: encodeEvent("SourceRecord", r),
      });
    } else refused++;
    verdicts.push({ key: message.key, value: encodeEvent("IntakeVerdict", verdict) });
  }
  await deps.bus.publish(TOPICS.intake, forward);
  await deps.bus.publish(agencyTopics(agency).verdicts, verdicts);
  await deps.onBatch?.(agency, { accepted: forward.length, refused, noIdentifier });
}

/**
 * Starts consuming `intake.<agency>` for each agency in `agencies` and returns
 * `ensureAgency`, which does the same for a newly registered agency: it resolves once
 * both topics exist (so the agency can produce at once), while the consumer joins its
 * group in the background and then reads the topic from the beginning. Names Kafka
 * cannot carry are skipped with a warning.
 */
export async function startKafkaIntake(
  deps: KafkaIntakeDeps,
  agencies: string[],
): Promise<{ ensureAgency: (agency: string) => Promise<void> }> {
  const started = new Map<string, Promise<void>>();
  const ensureAgency = (agency: string): Promise<void> => {
    if (!KAFKA_AGENCY_NAME.test(agency)) {
      deps.logger.warn(
        { agency },
        "agency name not usable as a Kafka topic: no Kafka intake for it",
      );
      return Promise.resolve();
    }
    let topics = started.get(agency);
    if (!topics) {
      topics = deps.bus.ensureTopics(agencyTopicSpecs(agency));
      started.set(agency, topics);
      topics.then(
        () =>
          deps.bus
            .consume({
              groupId: `intake.kafka.${agency}`,
              topic: agencyTopics(agency).intake,
              handleBatch: (messages) => handleIntakeBatch(deps, agency, messages),
            })
            .catch((error: Error) => {
              started.delete(agency);
              deps.logger.error(
                { agency, err: { type: error.name } },
                "Kafka intake consumer did not start",
              );
            }),
        // A failed start is retried by the next registration.
        () => started.delete(agency),
      );
    }
    return topics;
  };
  await Promise.all(agencies.map(ensureAgency));
  return { ensureAgency };
}
