/**
 * Structured logging with pino. Services never log record contents; redaction is
 * the second line of defence for fields that must never reach a log line even by
 * mistake (identifiers, sealed identifiers, keys, tokens).
 */
import pino, { type Logger } from "pino";

/** Field paths censored in every log line, at the top level and one level down. */
export const REDACTED_FIELDS = [
  "identifier",
  "sealedIdentifier",
  "canonical",
  "key",
  "secretKey",
  "token",
  "authorization",
  "password",
] as const;

const redactPaths = [
  ...REDACTED_FIELDS,
  ...REDACTED_FIELDS.map((f) => `*.${f}`),
  "req.headers.authorization",
  "req.headers.cookie",
];

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
      redact: { paths: redactPaths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
