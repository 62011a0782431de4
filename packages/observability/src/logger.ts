/**
 * Structured logging with pino. Services never log record contents; redaction is
 * the second line of defence for fields that must never reach a log line even by
 * mistake: identifiers (national numbers, sealed identifiers), quasi-identifiers
 * (names, dates of birth, addresses), keys and tokens.
 *
 * Redaction is by field name at any depth (a `formatters.log` walk, so a nested
 * `{record: {person: {surname}}}` is censored too), plus pino's path redaction for
 * request headers. Field names compare without case, `_` and `-`
 * (`date_of_birth`, `dateOfBirth` and `DATE-OF-BIRTH` are one field). Free text in
 * `msg` is not scanned: messages are fixed strings, values go in fields.
 */
import pino, { type Logger } from "pino";

/** Field names censored in every log line, at any depth. */
export const REDACTED_FIELDS = [
  // identifiers
  "identifier",
  "sealedIdentifier",
  "blindCiphertext",
  "canonical",
  "nationalNumber",
  "insz",
  "rijksregisternummer",
  "ssn",
  "soc_sec_id",
  "linkagePseudonym",
  "pseudonym",
  // quasi-identifiers
  "name",
  "given_name",
  "first_name",
  "surname",
  "last_name",
  "family_name",
  "date_of_birth",
  "birth_date",
  "dob",
  "address",
  "address_1",
  "address_2",
  "street",
  "street_number",
  "suburb",
  "postcode",
  "phone",
  "email",
  // request contents and secrets
  "body",
  "payload",
  "key",
  "secretKey",
  "token",
  "authorization",
  "cookie",
  "password",
] as const;

const normalise = (field: string) => field.toLowerCase().replace(/[_-]/g, "");
const REDACTED = new Set(REDACTED_FIELDS.map(normalise));
const CENSOR = "[redacted]";
/** Top-level fields pino itself sets (the logger's name is the service, not a person). */
const PINO_OWN = new Set(["name", "service", "level", "time", "msg", "pid", "hostname"]);
/**
 * Top-level fields our serializers shape (pino runs them after this formatter):
 * `req` becomes method and route template, `res` the status, `err` type and frames.
 */
const SERIALIZED = new Set(["req", "res", "err"]);

/** A copy of `value` with every redacted field censored, at any depth (cycles cut). */
export function redact(value: unknown, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, seen));
  if (value instanceof Error)
    return redact({ type: value.name, stack: stackWithoutMessage(value) }, seen);
  if (ArrayBuffer.isView(value) || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = REDACTED.has(normalise(k)) ? CENSOR : redact(v, seen);
  }
  return out;
}

/**
 * An error's stack frames without its first line: the message can quote input
 * (a parser's "unexpected token in 5304218..."), the frames cannot.
 */
export function stackWithoutMessage(error: Error): string {
  return (error.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .join("\n");
}

function redactTopLevel(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) {
    if (SERIALIZED.has(k)) out[k] = v;
    else out[k] = !PINO_OWN.has(k) && REDACTED.has(normalise(k)) ? CENSOR : redact(v);
  }
  return out;
}

/**
 * A pino logger named after the service, JSON to stdout (or to `destination`),
 * level from `level` (default "info").
 */
export function createLogger(
  service: string,
  level = "info",
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      redact: {
        paths: ["req.headers.authorization", "req.headers.cookie", "*.headers.authorization"],
        censor: CENSOR,
      },
      formatters: { log: redactTopLevel, bindings: redactTopLevel },
      // Errors as type, code and stack frames only: `err.message` may quote input.
      serializers: {
        err: (error: { name?: string; type?: string; code?: unknown; stack?: unknown }) => ({
          type: error?.type ?? error?.name,
          code: typeof error?.code === "string" ? error.code : undefined,
          stack: typeof error?.stack === "string" ? stackWithoutMessage(error as Error) : undefined,
        }),
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
