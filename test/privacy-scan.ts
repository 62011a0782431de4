/**
 * Invariant 1 of DESIGN.md as a check: finds raw identifier values at rest in
 * files (Kafka segments, logs, outputs) and in every text column of a database, and
 * raw quasi-identifiers (names, dates of birth) with `findWords` / `findDates`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Bus } from "@kruispunt/bus";
import { createLogger } from "@kruispunt/observability";
import type { Pool } from "@kruispunt/store";
import { parse } from "csv-parse/sync";

export interface Hit {
  where: string;
  value: string;
}

/** Identifiers that appear as whole tokens (not inside a longer run of digits/letters) in `text`. */
export function findIdentifiers(text: string, identifiers: Set<string>, where: string): Hit[] {
  const hits: Hit[] = [];
  for (const match of text.matchAll(/(?<![0-9A-Za-z])(\d{7})(?![0-9A-Za-z])/g)) {
    const value = match[1] ?? "";
    if (identifiers.has(value)) hits.push({ where, value });
  }
  return hits;
}

/** Names and dates of birth to look for besides identifiers (`quasiIdentifierValues`). */
export interface QuasiIdentifierValues {
  names: Set<string>;
  dates: Set<string>;
}

function findAll(
  text: string,
  identifiers: Set<string>,
  quasi: QuasiIdentifierValues | undefined,
  where: string,
): Hit[] {
  const hits = findIdentifiers(text, identifiers, where);
  if (quasi)
    hits.push(...findWords(text, quasi.names, where), ...findDates(text, quasi.dates, where));
  return hits;
}

/**
 * Scans every file under each root (binary files read as latin1, so bytes map 1:1) for
 * identifiers and, when `quasi` is given, names and dates of birth.
 */
export function scanFiles(
  roots: string[],
  identifiers: Set<string>,
  quasi?: QuasiIdentifierValues,
): Hit[] {
  const hits: Hit[] = [];
  const walk = (path: string) => {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else if (stat.isFile() && !path.endsWith(".jar")) {
      hits.push(...findAll(readFileSync(path).toString("latin1"), identifiers, quasi, path));
    }
  };
  for (const root of roots) walk(root);
  return hits;
}

/** Scans every row of every table in the given schemas, as JSON text (as `scanFiles`). */
export async function scanDatabase(
  pool: Pool,
  schemas: string[],
  identifiers: Set<string>,
  quasi?: QuasiIdentifierValues,
): Promise<Hit[]> {
  const tables = await pool.query<{ table_schema: string; table_name: string }>(
    "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'",
    [schemas],
  );
  const hits: Hit[] = [];
  for (const t of tables.rows) {
    const rows = await pool.query(
      `SELECT row_to_json(x)::text AS j FROM "${t.table_schema}"."${t.table_name}" x`,
    );
    for (const r of rows.rows)
      hits.push(...findAll(r.j, identifiers, quasi, `${t.table_schema}.${t.table_name}`));
  }
  return hits;
}

/**
 * The directories holding the segment files of the topics whose names start with
 * `namespace`, asked from the broker itself (`log.dirs`), so the scan also works
 * when the tests reuse a broker this checkout did not start.
 */
export async function kafkaTopicDirs(brokers: string[], namespace: string): Promise<string[]> {
  const bus = await Bus.connect({
    brokers,
    clientId: "privacy-scan",
    logger: createLogger("privacy-scan", "warn"),
  });
  try {
    const roots = await bus.brokerLogDirs();
    return roots.flatMap((root) =>
      readdirSync(root)
        .filter((d) => d.startsWith(namespace))
        .map((d) => join(root, d)),
    );
  } finally {
    await bus.close();
  }
}

/**
 * Raw quasi-identifier values (given names, surnames; `words` lower-cased, five letters
 * or more) that occur in `text` as whole tokens bounded by non-alphanumerics and written
 * as a name is written: lower case, upper case or capitalised (bytes read as latin1).
 */
export function findWords(text: string, words: Set<string>, where: string): Hit[] {
  const hits: Hit[] = [];
  // A name at rest stands as a whole token written as a name is (brody, BRODY, Brody).
  // Base64 of ciphertext is one long alphanumeric token of mixed case: read
  // case-insensitively and split at digits it once gave "vW7bRoDy1_" → brody in a CI run.
  for (const match of text.matchAll(/(?<![0-9A-Za-z])[A-Za-z]{5,}(?![0-9A-Za-z])/g)) {
    const token = match[0];
    if (!/^(?:[a-z]+|[A-Z]+|[A-Z][a-z]+)$/.test(token)) continue;
    const word = token.toLowerCase();
    if (words.has(word)) hits.push({ where, value: word });
  }
  return hits;
}

/**
 * Raw dates of birth (YYYYMMDD, from the FEBRL files) that occur as whole 8-digit
 * tokens in `text`: a date of birth is a sealed quasi-identifier and never at rest raw.
 */
export function findDates(text: string, dates: Set<string>, where: string): Hit[] {
  const hits: Hit[] = [];
  // Bounded by non-alphanumerics (as identifiers): hex dumps of Bloom filters hold digit runs.
  for (const match of text.matchAll(/(?<![0-9A-Za-z])(\d{8})(?![0-9A-Za-z])/g)) {
    const value = match[1] ?? "";
    if (dates.has(value)) hits.push({ where, value });
  }
  return hits;
}

/**
 * The quasi-identifiers of FEBRL rows that a leak scan looks for: given names and
 * surnames of at least five letters (lower-cased) and dates of birth (YYYYMMDD).
 */
export function quasiIdentifierValues(rows: Record<string, string>[]): QuasiIdentifierValues {
  const names = new Set<string>();
  const dates = new Set<string>();
  for (const row of rows) {
    for (const c of ["given_name", "surname"]) {
      const v = (row[c] ?? "").trim().toLowerCase();
      if (/^[a-z]{5,}$/.test(v)) names.add(v);
    }
    const dob = (row.date_of_birth ?? "").trim();
    if (/^\d{8}$/.test(dob)) dates.add(dob);
  }
  return { names, dates };
}

/** The soc_sec_id values of FEBRL submissions' CSVs (febrlSubmission), read by column name. */
export function submittedIdentifiers(csvs: string[]): Set<string> {
  return new Set(
    csvs.flatMap((csv) =>
      (parse(csv, { columns: true }) as Record<string, string>[]).map((r) => r.soc_sec_id ?? ""),
    ),
  );
}
