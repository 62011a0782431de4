/**
 * The agency side of Kruispunt's intake: turns a CSV file into source records with
 * the identifier validated, canonicalised and sealed to the pseudonymiser, and
 * per-record verdicts. Used by the intake service (HTTPS uploads) and by agencies
 * that produce straight to Kafka (`kruispunt agency publish`).
 */
export * from "./csv-records";
export * from "./kafka-intake";
export * from "./record-sources";
export * from "./record-validator";
