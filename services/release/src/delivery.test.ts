import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cryptoReady,
  FileDecryptor,
  generateFileKey,
  generateMemberKeyPair,
  openFileKey,
} from "@kruispunt/crypto";
import { parse } from "csv-parse/sync";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CsvSink, csvRecord, EncryptedFile, extractKeyFor, ParquetSink } from "./delivery";

let dir: string;
beforeAll(async () => {
  await cryptoReady();
  dir = mkdtempSync(join(tmpdir(), "krp-delivery-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const decrypt = (key: Uint8Array, name: string) => {
  const d = new FileDecryptor(key);
  return Buffer.concat([...d.push(readFileSync(join(dir, `${name}.enc`))), ...d.final()]);
};

describe("encrypted CSV and Parquet delivery", () => {
  // 3,001 rows in three row groups, with missing values.
  const rows = Array.from({ length: 3_001 }, (_, i) => [
    `p${String(i).padStart(6, "0")}`,
    i % 7 === 0 ? null : `${1950 + (i % 30)}`,
    i % 3 === 0 ? "4xxx" : "*",
  ]);
  const columns = ["project_pseudonym", "year_of_birth", "postcode_region"];

  it("writes files that decrypt to the exact rows; Parquet nulls stay null, CSV cells empty", {
    timeout: 60_000,
  }, async () => {
    const key = generateFileKey();
    const csv = new CsvSink(new EncryptedFile(dir, "extract.csv", key), columns);
    // Row groups of 1,000 rows: three full ones and one of a single row.
    const parquet = new ParquetSink(new EncryptedFile(dir, "extract.parquet", key), columns, 1_000);
    for (const window of [rows.slice(0, 1_000), rows.slice(1_000, 2_000), rows.slice(2_000)]) {
      csv.write(window);
      parquet.write(window);
    }
    const [csvFile, parquetFile] = [csv.close(), parquet.close()];
    const csvText = decrypt(key, "extract.csv");
    expect(csvFile.sha256).toBe(createHash("sha256").update(csvText).digest("hex"));
    const lines = csvText.toString("utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(3_002);
    expect(lines.slice(0, 3)).toEqual([
      "project_pseudonym,year_of_birth,postcode_region",
      "p000000,,4xxx",
      "p000001,1951,*",
    ]);
    const bytes = decrypt(key, "extract.parquet");
    expect(parquetFile.bytes).toBe(bytes.length);
    const back = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    });
    expect(back).toHaveLength(3_001);
    const metadata = parquetMetadata(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([1_000, 1_000, 1_000, 1]);
    expect(back.map((r) => [r.project_pseudonym, r.year_of_birth, r.postcode_region])).toEqual(
      rows,
    );
  });

  it("seals the extract key to each member and to nobody else", () => {
    const alice = generateMemberKeyPair();
    const bob = generateMemberKeyPair();
    const { key, sealedKeys } = extractKeyFor([
      { name: "alice", publicKey: alice.publicKey },
      { name: "bob", publicKey: bob.publicKey },
    ]);
    expect(Object.keys(sealedKeys)).toEqual(["alice", "bob"]);
    expect(Buffer.from(openFileKey(alice, sealedKeys.alice as string))).toEqual(Buffer.from(key));
    expect(Buffer.from(openFileKey(bob, sealedKeys.bob as string))).toEqual(Buffer.from(key));
    expect(() => openFileKey(bob, sealedKeys.alice as string)).toThrow("does not open");
  });
});

describe("csvRecord (RFC 4180)", () => {
  it("quotes exactly the cells holding a comma, quote, CR or LF, doubling quotes; null is empty", () => {
    expect(csvRecord(["a", null, "", "b c"])).toBe("a,,,b c\n");
    expect(csvRecord(['say "hi"', "x,y", "l1\nl2", "cr\r", "'"])).toBe(
      '"say ""hi""","x,y","l1\nl2","cr\r",\'\n',
    );
  });

  it("reads back with csv-parse as the same cells, whatever characters they hold", () => {
    const alphabet = ['"', ",", "\r", "\n", " ", "a", "é", "€", "\t", "'"];
    // A fixed pseudo-random sequence (LCG), so the cells are the same on every run.
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const rows = Array.from({ length: 500 }, () =>
      Array.from({ length: 4 }, () =>
        Array.from({ length: next() % 6 }, () => alphabet[next() % alphabet.length]).join(""),
      ),
    );
    const text = rows.map(csvRecord).join("");
    expect(parse(text, { relax_column_count: false })).toEqual(rows);
  });
});
