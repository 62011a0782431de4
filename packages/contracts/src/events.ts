/**
 * TypeScript shapes of the events in proto/kruispunt/v1/records.proto, and their
 * codec. The .proto file is the source of truth; protobufjs loads it at start-up, so
 * a field added there is encoded without a code generation step. These interfaces
 * mirror it in protobufjs' camelCase naming.
 */
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

export interface SourceRecord {
  agency: string;
  dataset: string;
  sourceRecordId: string;
  version: number;
  scheme: string;
  sealedIdentifier: string;
  variables: Record<string, string>;
  uploadId: string;
  withdrawn: boolean;
  /** Set instead of sealedIdentifier when the identifier was sealed in a batch. */
  batchSealed?: { sealedKey: string; nonce: string; ciphertext: string } | null;
  /** Blind mode: ElGamal ciphertext c1 ‖ c2 (base64url), set instead of the sealed fields. */
  blindCiphertext?: string;
  /** The contract's quasi-identifiers as JSON, batch-sealed (AD "agency/dataset/id#qi"). */
  sealedQuasiIdentifiers?: { sealedKey: string; nonce: string; ciphertext: string } | null;
  /**
   * The identifier's KRP_ID_* code when the record travels without one (contract
   * identifier.whenUnusable "link_probabilistically"); "" or absent otherwise.
   */
  missingIdentifier?: string;
}

export interface PseudonymisedRecord {
  agency: string;
  dataset: string;
  sourceRecordId: string;
  version: number;
  linkagePseudonym: string;
  keyVersion: number;
  keyringFingerprint: string;
  variables: Record<string, string>;
  uploadId: string;
  withdrawn: boolean;
  keyId: string;
  /** Blind mode: the reshuffled ciphertext (base64url); linkagePseudonym is then empty. */
  reshuffledCiphertext?: string;
  /** PPRL encoding of the quasi-identifiers (packages/pprl WireEncoding), if any. */
  pprl?: PprlEncodingMessage | null;
}

/** packages/pprl WireEncoding as it travels on records.pseudonymised. */
export interface PprlEncodingMessage {
  schemaId: string;
  keyVersion: number;
  filters: Uint8Array;
  blockingKeys: string[];
}

export type LinkageEventKind = "LINKED" | "UNLINKED" | "UPDATED";

export interface LinkageEvent {
  kind: LinkageEventKind;
  agency: string;
  dataset: string;
  sourceRecordId: string;
  version: number;
  clusterId: string;
  linkagePseudonym: string;
  variables: Record<string, string>;
  method: string;
  score: number;
}

/** A verdict on one record produced to intake.<agency> (topic intake.<agency>.verdicts). */
export interface IntakeVerdict {
  agency: string;
  dataset: string;
  sourceRecordId: string;
  version: number;
  uploadId: string;
  accepted: boolean;
  field: string;
  code: string;
  message: string;
  partition: number;
  offset: string;
  /** A refusal on more than one field: every bad field, the first being field/code/message; else []. */
  problems: { field: string; code: string; message: string }[];
}

export interface AuditEventMessage {
  eventId: string;
  occurredAt: string;
  service: string;
  actor: string;
  role: string;
  action: string;
  object: string;
  reference: string;
  counts: Record<string, number>;
  detailsJson: string;
}

interface EventTypes {
  SourceRecord: SourceRecord;
  PseudonymisedRecord: PseudonymisedRecord;
  LinkageEvent: LinkageEvent;
  AuditEvent: AuditEventMessage;
  IntakeVerdict: IntakeVerdict;
}
export type EventName = keyof EventTypes;

const protoPath = fileURLToPath(
  new URL("../../../proto/kruispunt/v1/records.proto", import.meta.url),
);
const root = protobuf.loadSync(protoPath);

// toObject options: int64 as JS numbers (versions and counts stay far below 2^53),
// enums as their names, and defaults filled so every field is present.
const toObjectOptions = { longs: Number, enums: String, defaults: true } as const;

// verify() checks enum fields against their numbers, while our objects carry names.
function withEnumNumbers(
  type: protobuf.Type,
  event: Record<string, unknown>,
): Record<string, unknown> {
  const enums = enumFieldsOf(type);
  if (enums.length === 0) return event;
  const copy = { ...event };
  for (const field of enums) {
    const value = copy[field.name];
    if (typeof value === "string")
      copy[field.name] = (field.resolvedType as protobuf.Enum).values[value] ?? value;
  }
  return copy;
}

const enumFields = new Map<protobuf.Type, protobuf.Field[]>();
/** The type's enum fields (most events have none: they are then encoded without a copy). */
function enumFieldsOf(type: protobuf.Type): protobuf.Field[] {
  let fields = enumFields.get(type);
  if (!fields) {
    fields = type.fieldsArray.filter((f) => f.resolvedType instanceof protobuf.Enum);
    enumFields.set(type, fields);
  }
  return fields;
}

/** The message types by event name, looked up once (a lookup walks the namespace). */
const types = new Map<EventName, protobuf.Type>();
function typeOf(name: EventName): protobuf.Type {
  let type = types.get(name);
  if (!type) types.set(name, (type = root.lookupType(`kruispunt.v1.${name}`)));
  return type;
}

/**
 * Encodes an event as protobuf bytes. Throws if a field has the wrong type. The
 * verified object (enums as numbers) is encoded as it is: once verify() passed, it
 * encodes to the same bytes as a message made by fromObject(), without that copy
 * (intake encodes one SourceRecord per record).
 */
export function encodeEvent<N extends EventName>(name: N, event: EventTypes[N]): Uint8Array {
  const type = typeOf(name);
  const message = withEnumNumbers(type, event as unknown as Record<string, unknown>);
  const problem = type.verify(message);
  if (problem) throw new TypeError(`${name}: ${problem}`);
  return type.encode(message).finish();
}

/** Decodes protobuf bytes into an event with every field present. Throws on malformed bytes. */
export function decodeEvent<N extends EventName>(name: N, bytes: Uint8Array): EventTypes[N] {
  const type = typeOf(name);
  return type.toObject(type.decode(bytes), toObjectOptions) as EventTypes[N];
}
