#!/usr/bin/env node
/**
 * `kruispunt` — the command line for the three personas and for operators.
 * Run from the repository root as `pnpm kruispunt <command>`; `pnpm kruispunt help` lists commands.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROLES, type Role } from "@kruispunt/auth";
import { loadConfig, REPO_ROOT, SERVICE_NAMES } from "@kruispunt/service-kit";
import { agencyCommand } from "./agency-command";
import { auditCommand } from "./audit-command";
import { FINDABILITY_HELP, findabilityCommand } from "./catalogue-command";
import { KruispuntClient } from "./client";
import { demo } from "./demo/command";
import { prepareDatabase } from "./demo/main-job";
import { createMemberKeyFile } from "./extract-fetch";
import { keysCommand } from "./keys-command";
import { agencyHttpCommand, extractCommand, projectCommand } from "./persona-commands";
import { pseudonymiseCommand } from "./pseudonymise-command";
import { reviewCommand } from "./review-command";
import { submitCommand } from "./submit-command";
import { failOnExit, readyLine, startServices } from "./supervisor";

/** How long `up` waits for every service to be ready before it says it is still waiting. */
const UP_READY_TIMEOUT_MS = 300_000;

const HELP = `kruispunt <command> [options]

  demo [--limit-pairs N] [--out DIR] [--keep-running] [--blind]
                       the main job: FEBRL 4 from agencies alpha and beta, pseudonymised,
                       linked over Kafka, released as an extract (out/demo/)
  up                   run the five services until Ctrl-C (keys and database prepared);
                       prints "services ready: …" with their URLs once all are ready
  db migrate           create the database if needed and apply migrations
  keys init            create any missing local keyrings and public keys in .data/keys
  keys generate --out FILE         a new keyring (linkage + release keys), mode 0600
  keys import --link-key-hex HEX [--release-key-hex HEX] --out FILE
  keys rotate [--keyring FILE]     add linkage key version n+1 (default: the pseudonymiser's)
  agency register --as A --dataset D --contract F.json [--blind]
                       register a dataset contract (HTTPS); --blind: blind mode
  submit FILE --dataset D --as A [--verdicts OUT] [--upload-id UUID]
                       upload a CSV or NDJSON file (.gz: gzip) with a progress bar; writes
                       the verdict file (FILE.verdicts.ndjson); exit 1 if any record was refused
  agency upload --as A --dataset D --file F.csv          the same as submit
  agency publish --as A --dataset D --file F.csv
                       produce a CSV straight to Kafka, identifiers sealed on the agency side
  pseudonymise --keyring FILE --scheme S   identifiers on stdin → linkage pseudonyms
  project file --as R --spec F.json | show --as R --id P
  project decide --as C --id P --decision approve|reject|withdraw --reference REF
  project extract --as R --id P [--layout person|record]
  extract fetch --project P --key FILE [--extract E] [--out DIR]
                       download an extract, verify and decrypt it with the member key FILE
                       (project fetch --id P --key FILE is the same)
  keys member --name R --out FILE  a project member's X25519 key pair (prints the public key)
  token --sub NAME --role ROLE [--datasets D1,D2]
                       a bearer token from the local issuer (${ROLES.join("|")}); --datasets limits an agency token to those datasets
  review list --as R [--limit N]   the clerical review queue (references, weights, levels)
  review resolve --as R --id N --decision link|no_link --reason TEXT
  review parameters --as R         the Fellegi–Sunter m, u and weights in force
  review estimate --as R           EM on the store's own candidate pairs, then a relink;
                       waits and prints what moved (exit 1 if refused or failed)
  audit verify [--from-seq N] [--to-seq N]
  audit query [--action A] [--actor X] [--object PREFIX] [--from ISO] [--to ISO] [--limit N]
  audit export --format ndjson|csv [filters as for query]
  audit linkage-log --linkage-pseudonym LP | --project P --project-pseudonym PP
${FINDABILITY_HELP}

Environment: KAFKA_BROKERS (unset: demo starts local Kafka on 127.0.0.1:9092),
DATABASE_URL (default postgres://postgres@127.0.0.1:5432/kruispunt),
KRUISPUNT_DATA_DIR (default .data), KRUISPUNT_<SERVICE>_URL, KRUISPUNT_PORT_OFFSET
(added to every default port), KRUISPUNT_TOKEN.`;

/** `--limit-pairs N`: a whole number ≥ 1 (a typo must not run the full demo instead). */
function limitPairs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value))
    throw new Error(`--limit-pairs: a whole number of persons ≥ 1, not ${JSON.stringify(value)}`);
  return Number(value);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfig("intake");
  switch (command) {
    case "demo": {
      const { values } = parseArgs({
        args: rest,
        options: {
          "limit-pairs": { type: "string" },
          out: { type: "string" },
          "keep-running": { type: "boolean" },
          blind: { type: "boolean" },
        },
      });
      const summary = await demo({
        febrlDir: join(REPO_ROOT, "..", "shared", "data", "febrl4"),
        outDir: values.out ?? join(REPO_ROOT, "out", values.blind ? "demo-blind" : "demo"),
        limitPairs: limitPairs(values["limit-pairs"]),
        keepRunning: values["keep-running"] ?? false,
        mode: values.blind ? "blind" : "keyed",
      });
      const ok = summary.audit.verified && summary.linkage.truth.fp === 0;
      // --keep-running: stay alive (exiting would stop the services) until Ctrl-C.
      if (values["keep-running"] && ok) await new Promise(() => {});
      return ok ? 0 : 1;
    }
    case "up": {
      await prepareDatabase(config.databaseUrl);
      await keysCommand(["init"], config.keysDir);
      const running = startServices(config.dataDir, process.env);
      const logs = join(config.dataDir, "logs");
      let stopping = false;
      process.on("SIGINT", () => {
        stopping = true;
        void running.stop().then(() => process.exit(0));
      });
      console.log(
        `services starting (Kafka must run: bash deploy/kafka.sh start); logs in ${logs}; Ctrl-C stops them`,
      );
      // Say when they can be used (five tsx start-ups take a while on a loaded machine).
      new KruispuntClient({ keysDir: config.keysDir, urls: running.urls })
        .waitReady(SERVICE_NAMES, UP_READY_TIMEOUT_MS)
        .then(
          () => console.log(readyLine(running.urls)),
          (error: Error) => {
            if (!stopping) console.log(`${error.message}; see its log in ${logs}`);
          },
        );
      try {
        await failOnExit(running, logs);
      } catch (error) {
        if (stopping) await new Promise(() => {}); // exiting after a clean stop
        throw error;
      }
      return 1;
    }
    case "db":
      if (rest[0] !== "migrate") break;
      await prepareDatabase(config.databaseUrl);
      console.log("database ready");
      return 0;
    case "keys":
      if (rest[0] === "member") {
        const { values } = parseArgs({
          args: rest.slice(1),
          options: { name: { type: "string" }, out: { type: "string" } },
        });
        if (!values.name || !values.out) break;
        console.log(await createMemberKeyFile(values.out, values.name));
        return 0;
      }
      return keysCommand(rest, config.keysDir);
    case "token": {
      const { values } = parseArgs({
        args: rest,
        options: {
          sub: { type: "string" },
          role: { type: "string" },
          datasets: { type: "string" },
        },
      });
      if (!values.sub || !ROLES.includes(values.role as Role)) {
        console.error(
          `usage: kruispunt token --sub NAME --role ${ROLES.join("|")} [--datasets D1,D2]`,
        );
        return 2;
      }
      console.log(
        new KruispuntClient({ keysDir: config.keysDir }).token({
          sub: values.sub,
          role: values.role as Role,
          // An agency token limited to these datasets (intake answers 403 for others).
          ...(values.datasets ? { datasets: values.datasets.split(",") } : {}),
        }),
      );
      return 0;
    }
    case "pseudonymise":
      return pseudonymiseCommand(rest);
    case "project":
      return projectCommand(rest, new KruispuntClient({ keysDir: config.keysDir }));
    case "extract":
      return extractCommand(rest, new KruispuntClient({ keysDir: config.keysDir }));
    case "agency":
      return (
        (await agencyHttpCommand(
          rest[0] ?? "",
          rest.slice(1),
          new KruispuntClient({ keysDir: config.keysDir }),
        )) ??
        agencyCommand(
          rest,
          new KruispuntClient({ keysDir: config.keysDir }),
          config.kafkaBrokers,
          config.kafkaNamespace,
        )
      );
    case "submit":
      return submitCommand(rest, new KruispuntClient({ keysDir: config.keysDir }));
    case "audit":
      return auditCommand(rest, new KruispuntClient({ keysDir: config.keysDir }));
    case "review":
      return reviewCommand(rest, new KruispuntClient({ keysDir: config.keysDir }));
    case "catalogue":
    case "quality":
    case "usage":
    case "error-report": {
      const code = await findabilityCommand(
        command,
        rest,
        new KruispuntClient({ keysDir: config.keysDir }),
      );
      if (code !== null) return code;
      break;
    }
    case undefined:
    case "help":
    case "--help":
      console.log(HELP);
      return 0;
  }
  console.error(`unknown or incomplete command: ${argv.join(" ")}\n\n${HELP}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`kruispunt: ${error.message}`);
    process.exit(1);
  },
);
