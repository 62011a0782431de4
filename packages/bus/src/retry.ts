/**
 * Which handler errors are worth retrying forever and which mean "this message
 * cannot be handled". A dependency that is down (PostgreSQL restarting, Kafka
 * re-electing a leader, a refused socket) is transient: the consumer waits for it,
 * since dead-lettering good records during an outage would lose them. Anything
 * else (a message that does not decode, a constraint it violates) is retried a
 * bounded number of times and then dead-lettered.
 */

/** Node socket errors that mean "the other side is not there (yet)". */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
]);

/**
 * PostgreSQL SQLSTATE classes and codes (https://www.postgresql.org/docs/15/errcodes-appendix.html)
 * that a retry can cure: 08 connection exception, 53 insufficient resources,
 * 57P01–57P03 admin/crash shutdown and "cannot connect now", 40001 serialization
 * failure, 40P01 deadlock.
 */
function transientSqlState(code: string): boolean {
  return (
    code.startsWith("08") ||
    code.startsWith("53") ||
    /^57P0[1-3]$/.test(code) ||
    code === "40001" ||
    code === "40P01"
  );
}

/** node-postgres' own messages when a connection goes away (they carry no code). */
const PG_CONNECTION_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Connection ended unexpectedly",
];

/** True if `error` (or its cause) says a dependency is unavailable rather than the message bad. */
export function isTransient(error: unknown): boolean {
  for (
    let e = error as
        | { name?: string; code?: unknown; message?: string; cause?: unknown }
        | undefined,
      depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    // kafkajs marks protocol errors no retry can cure (MESSAGE_TOO_LARGE, …) retriable: false.
    if (typeof e.name === "string" && e.name.startsWith("KafkaJS"))
      return (e as { retriable?: boolean }).retriable !== false;
    if (typeof e.code === "string" && (SOCKET_CODES.has(e.code) || transientSqlState(e.code)))
      return true;
    if (
      typeof e.message === "string" &&
      PG_CONNECTION_MESSAGES.some((m) => e?.message?.includes(m))
    )
      return true;
  }
  return false;
}

/** Delay before retry `attempt` (1-based): 200 ms doubling, at most `maxMs`. */
export function backoffMs(attempt: number, maxMs = 10_000): number {
  return Math.min(maxMs, 200 * 2 ** Math.min(attempt - 1, 16));
}
