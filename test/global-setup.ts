/**
 * Before the end-to-end tests: a Kafka broker (local Kafka 3.9 via deploy/kafka.sh
 * unless KAFKA_BROKERS names one) and a PostgreSQL server that answers. Both
 * scripts are idempotent, so a running broker is reused.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export default function setup(): void {
  execFileSync("bash", [join(root, "deploy", "postgres.sh")], { stdio: "inherit" });
  if (!process.env.KAFKA_BROKERS)
    execFileSync("bash", [join(root, "deploy", "kafka.sh"), "start"], { stdio: "inherit" });
}
