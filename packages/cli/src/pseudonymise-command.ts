/**
 * `kruispunt pseudonymise --keyring FILE --scheme S`: identifiers in (one per line on
 * stdin), linkage pseudonyms out (one line per input line: the hex pseudonym, or
 * `error: <reason code>`). For agencies and auditors who hold the keyring and want
 * to reproduce pseudonyms. Streams in constant memory; the exit code is 1 if any
 * line failed.
 */
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import {
  cryptoReady,
  type Keyring,
  readKeyring,
  versionedLinkagePseudonym,
} from "@kruispunt/crypto";
import { getScheme } from "@kruispunt/identifiers";

export interface StreamResult {
  lines: number;
  failed: number;
}

/**
 * Pseudonymises each line of `input` (UTF-8; invalid bytes become U+FFFD and are
 * refused as KRP_ID_INVALID_UTF8) under the ring's current linkage key. A line
 * ending in CRLF counts as the same line without CR. Honours back-pressure on `output`.
 */
export async function pseudonymiseStream(
  input: Readable,
  output: Writable,
  ring: Keyring,
  schemeName: string,
): Promise<StreamResult> {
  const scheme = getScheme(schemeName);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const result: StreamResult = { lines: 0, failed: 0 };
  for await (const line of lines) {
    result.lines += 1;
    const v = scheme.validate(line);
    let out: string;
    if (v.ok) {
      out = versionedLinkagePseudonym(ring, scheme.name, v.canonical).pseudonym;
    } else {
      result.failed += 1;
      out = `error: ${v.refusal.code}`;
    }
    if (!output.write(`${out}\n`)) await once(output, "drain");
  }
  return result;
}

/** Runs the command with `args`; returns the exit code (2 for usage errors). */
export async function pseudonymiseCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { keyring: { type: "string" }, scheme: { type: "string" } },
  });
  if (!values.keyring || !values.scheme) {
    console.error(
      "usage: kruispunt pseudonymise --keyring FILE --scheme be-insz|febrl-ssn|generic < identifiers.txt",
    );
    return 2;
  }
  await cryptoReady();
  const ring = readKeyring(values.keyring);
  const result = await pseudonymiseStream(process.stdin, process.stdout, ring, values.scheme);
  if (result.failed > 0) console.error(`${result.failed} of ${result.lines} lines refused`);
  return result.failed > 0 ? 1 : 0;
}
