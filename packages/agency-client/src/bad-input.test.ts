/**
 * The bad-input list, each case with its exact verdict, through the same
 * processUpload that intake and `agency publish` run. Published batches are
 * collected and decoded, so "never stored as the literal" is checked on the bytes
 * that would go to Kafka. The end-to-end counterpart (HTTP status codes, duplicates
 * across batches) is test/intake-uploads.test.ts.
 */
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { contractSchema, decodeEvent, type SourceRecord } from "@kruispunt/contracts";
import { cryptoReady, generateKeyring, publicKeyOf } from "@kruispunt/crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { processUpload, type UploadVerdict } from "./csv-records";
import { decodeBody, readRecords, type UploadFormat, UploadFormatError } from "./record-sources";

const base = {
  identifier: { field: "ssn", scheme: "febrl-ssn" },
  sourceRecordId: "id",
  quasiIdentifiers: ["name"],
  variables: [
    { name: "state", type: "string" },
    { name: "born", type: "date" },
    { name: "kids", type: "integer", unit: "persons" },
    { name: "sex", type: "category", allowedValues: ["f", "m", "x"] },
  ],
};
const contract = contractSchema.parse(base);
const HEADER = "id,ssn,name,state,born,kids,sex";
let sealPublicKey: Uint8Array;

beforeAll(async () => {
  await cryptoReady();
  sealPublicKey = publicKeyOf(generateKeyring(["seal"]), "seal");
});

async function upload(
  body: string | Buffer | Readable,
  options: { format?: UploadFormat; contract?: typeof contract; batchSize?: number } = {},
): Promise<{ verdict: UploadVerdict; records: SourceRecord[]; codes: unknown[][] }> {
  const published: SourceRecord[] = [];
  const verdict = await processUpload({
    agency: "alpha",
    dataset: "persons",
    uploadId: "u1",
    contract: options.contract ?? contract,
    format: options.format,
    body:
      body instanceof Readable
        ? body
        : Readable.from([typeof body === "string" ? Buffer.from(body) : body]),
    sealPublicKey,
    batchSize: options.batchSize,
    publish: async (messages) => {
      for (const m of messages) published.push(decodeEvent("SourceRecord", m.value));
    },
  });
  const codes = verdict.refusals.map((r) => [r.line, r.field, r.code]);
  return { verdict, records: published, codes };
}

const formatError = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => (e instanceof UploadFormatError ? [e.message, e.line] : e),
  );

describe("CSV as RFC 4180 writes it", () => {
  it("reads quoted fields with commas, newlines and doubled quotes, CRLF and a UTF-8 BOM", async () => {
    const csv =
      "\uFEFF" +
      [
        HEADER,
        '1,1234567,"Smith, ""Jo""",nsw,1980-02-29,2,f',
        '2,7654321,"two\r\nlines",vic,19800101,0,m',
        "3,1111111,c,qld,,,x",
      ].join("\r\n");
    const { verdict, records } = await upload(csv);
    expect(verdict).toMatchObject({ submitted: 3, accepted: 3, refused: 0 });
    expect(records.map((r) => [r.sourceRecordId, r.variables])).toEqual([
      ["1", { state: "nsw", born: "1980-02-29", kids: "2", sex: "f" }],
      ["2", { state: "vic", born: "19800101", kids: "0", sex: "m" }],
      ["3", { state: "qld", born: "", kids: "", sex: "x" }],
    ]);
  });

  it("names the line where a multi-line record starts", async () => {
    const csv = `${HEADER}\n1,1234567,"a\nb\nc",nsw,,,\n\n2,12,d,vic,,,\n`;
    const { codes } = await upload(csv);
    expect(codes).toEqual([[6, "ssn", "KRP_ID_BAD_LENGTH"]]);
  });

  it("counts lines as an editor does: an embedded CRLF is one line break, a bare CR none", async () => {
    // csv-parse's own count put records 2 and 4 on lines 5 and 8 here.
    const crlf = [
      HEADER,
      '1,1234567,"a\r\nb",nsw,,,',
      "2,12,d,vic,,,",
      '3,1111111,"x\ry",qld,,,',
      "4,34,e,vic,,,",
    ];
    const { codes } = await upload(`${crlf.join("\r\n")}\r\n`);
    expect(codes).toEqual([
      [4, "ssn", "KRP_ID_BAD_LENGTH"],
      [6, "ssn", "KRP_ID_BAD_LENGTH"],
    ]);
  });
});

describe("bad input, each with its exact verdict", () => {
  it("empty file: refused as a whole (CSV and NDJSON)", async () => {
    expect(await formatError(upload(""))).toEqual([
      "the file is empty: a header line naming the columns is required",
      1,
    ]);
    expect(await formatError(upload("\n \n", { format: "ndjson" }))).toEqual([
      "the file is empty: it holds no records",
      1,
    ]);
  });

  it("header only: no records, nothing refused", async () => {
    const { verdict, records } = await upload(`${HEADER}\r\n`);
    expect(verdict).toEqual({
      uploadId: "u1",
      submitted: 0,
      accepted: 0,
      refused: 0,
      withoutIdentifier: 0,
      refusals: [],
      ignoredColumns: [],
    });
    expect(records).toEqual([]);
  });

  it("missing identifier column: CSV refused as a whole naming it; NDJSON record by record", async () => {
    expect(await formatError(upload("id,name,state,born,kids,sex\n1,a,nsw,,,\n"))).toEqual([
      "the header lacks column(s) ssn",
      1,
    ]);
    const { codes } = await upload('{"id":"1","state":"nsw"}\n{"id":"2","ssn":"1234567"}\n', {
      format: "ndjson",
    });
    expect(codes).toEqual([[1, "ssn", "KRP_ID_EMPTY"]]);
  });

  it("unknown extra columns: ignored and never forwarded by default, refused when the contract says so", async () => {
    const csv = `${HEADER},note\n1,1234567,a,nsw,,,,secret\n2,7654321,b,vic,,,,\n`;
    const ignored = await upload(csv);
    expect(ignored.verdict).toMatchObject({ accepted: 2, refused: 0 });
    expect(ignored.records.map((r) => Object.keys(r.variables).sort())).toEqual([
      ["born", "kids", "sex", "state"],
      ["born", "kids", "sex", "state"],
    ]);
    const strict = contractSchema.parse({ ...base, extraColumns: "refuse" });
    const refused = await upload(csv, { contract: strict });
    expect(refused.codes).toEqual([[2, "note", "KRP_ERR_UNKNOWN_FIELD"]]);
    expect(refused.verdict).toMatchObject({ accepted: 1, refused: 1 });
    expect(refused.verdict.ignoredColumns).toEqual([]);
  });

  it("ignored unknown columns are named once per upload in the summary, never their values", async () => {
    const csv = `${HEADER},note,remark\n1,1234567,a,nsw,,,,secret,x\n2,7654321,b,vic,,,,,\n`;
    const { verdict } = await upload(csv, { batchSize: 1 });
    expect(verdict.ignoredColumns).toEqual(["note", "remark"]);
    expect(JSON.stringify(verdict)).not.toMatch(/secret/);
    // NDJSON: members vary by record; each name once, in the order first seen.
    const ndjson = [
      JSON.stringify({ id: "1", ssn: "1234567", extra: "e1" }),
      JSON.stringify({ id: "2", ssn: "7654321", other: "o", extra: "e2" }),
      JSON.stringify({ id: "3", ssn: "1111111" }),
    ].join("\n");
    const fromNdjson = await upload(ndjson, { format: "ndjson" });
    expect(fromNdjson.verdict).toMatchObject({ accepted: 3, ignoredColumns: ["extra", "other"] });
    const declaredOnly = await upload(`${HEADER}\n1,1234567,a,nsw,,,\n`);
    expect(declaredOnly.verdict.ignoredColumns).toEqual([]);
    // Values used as member names (an identifier, a date of birth) are never listed.
    const hostile = [
      JSON.stringify({ id: "1", ssn: "1234567", "85073012345": "x", "1985-07-30": "y" }),
      JSON.stringify({ id: "2", ssn: "7654321", "30/07/1985": "z", income_2023: "1" }),
    ].join("\n");
    const withheld = await upload(hostile, { format: "ndjson" });
    expect(withheld.verdict.ignoredColumns).toEqual([
      "(withheld: looks like a value, not a column name)",
      "income_2023",
    ]);
    expect(JSON.stringify(withheld.verdict)).not.toMatch(/85073012345|1985|30\/07/);
  });

  it("Latin-1 bytes: that record refused on that field, the next one accepted", async () => {
    const latin1 = Buffer.concat([
      Buffer.from(`${HEADER}\n1,1234567,Ren`),
      Buffer.from([0xe9]), // é in Latin-1; never valid alone in UTF-8
      Buffer.from(",nsw,,,\n2,7654321,b,vic,,,\n"),
    ]);
    const { verdict, codes, records } = await upload(latin1);
    expect(codes).toEqual([[2, "name", "KRP_ERR_NOT_UTF8"]]);
    expect(verdict).toMatchObject({ submitted: 2, accepted: 1, refused: 1 });
    expect(records.map((r) => r.sourceRecordId)).toEqual(["2"]);
  });

  it("a CSV row with fewer or more fields than the header: that row refused, the others read", async () => {
    const csv = `${HEADER}\n1,1234567,a,nsw,,,\n2,7654321,b\n3,1111111,c,vic,,,,extra\n4,2222222,d,qld,,,\n`;
    const { verdict, codes, records } = await upload(csv);
    expect(codes).toEqual([
      [3, "", "KRP_ERR_FIELD_COUNT"],
      [4, "", "KRP_ERR_FIELD_COUNT"],
    ]);
    expect(verdict).toMatchObject({ submitted: 4, accepted: 2, refused: 2 });
    expect(records.map((r) => r.sourceRecordId)).toEqual(["1", "4"]);
  });

  it("a NUL character (U+0000) in any field: that record refused on that field, never forwarded", async () => {
    const ndjson = [
      { id: "1", ssn: "1234567", state: "n\u0000sw" },
      { id: "2\u00002", ssn: "7654321" },
      { id: "3", ssn: "1111111", name: "a\u0000b" },
      { id: "4", ssn: "2222222", state: "vic" },
    ]
      .map((r) => JSON.stringify(r))
      .join("\n");
    const { verdict, codes, records } = await upload(ndjson, { format: "ndjson" });
    expect(codes).toEqual([
      [1, "state", "KRP_ERR_NUL_CHARACTER"],
      [2, "id", "KRP_ERR_NUL_CHARACTER"],
      [3, "name", "KRP_ERR_NUL_CHARACTER"],
    ]);
    // A refused id that no text column could hold is not echoed in the verdict.
    expect(verdict.refusals[1]?.sourceRecordId).toBeNull();
    expect(records.map((r) => r.sourceRecordId)).toEqual(["4"]);
  });

  it("a 1 MB line: refused on the over-long field, the stream goes on", async () => {
    const long = "x".repeat(1024 * 1024);
    const csv = `${HEADER}\n1,1234567,a,${long},,,\n2,7654321,b,vic,,,\n`;
    const { verdict, codes } = await upload(csv);
    expect(codes).toEqual([[2, "state", "KRP_ERR_VALUE_TOO_LONG"]]);
    expect(verdict).toMatchObject({ submitted: 2, accepted: 1, refused: 1 });
    const ndjson = `${JSON.stringify({ id: "1", ssn: "1234567", state: long })}\n{"id":"2","ssn":"7654321"}\n`;
    expect((await upload(ndjson, { format: "ndjson" })).codes).toEqual([
      [1, "state", "KRP_ERR_VALUE_TOO_LONG"],
    ]);
  });

  it("the impossible date 1980-02-31 (and 19800231) is refused; 1980-02-29 is a leap day", async () => {
    const csv = `${HEADER}\n1,1234567,a,nsw,1980-02-31,,\n2,7654321,b,vic,19800231,,\n3,1111111,c,vic,1980-02-29,,\n`;
    const { verdict, codes } = await upload(csv);
    expect(codes).toEqual([
      [2, "born", "KRP_ERR_NOT_A_DATE"],
      [3, "born", "KRP_ERR_NOT_A_DATE"],
    ]);
    expect(verdict.accepted).toBe(1);
  });

  it("blank, N/A, null and only whitespace are missing: never forwarded as the literal, never hashed", async () => {
    const csv = [
      HEADER,
      "1,1234567,a,N/A,null,NULL,",
      '2,7654321,b,"   ",n/a,  ,x',
      "3,N/A,c,nsw,,,",
      "4,null,c,nsw,,,",
      '5,"  ",c,nsw,,,',
      "N/A,1111111,c,nsw,,,",
      '" ",2222222,c,nsw,,,',
    ].join("\n");
    const { verdict, codes, records } = await upload(csv);
    expect(codes).toEqual([
      [4, "ssn", "KRP_ID_EMPTY"],
      [5, "ssn", "KRP_ID_EMPTY"],
      [6, "ssn", "KRP_ID_EMPTY"],
      [7, "id", "KRP_ERR_MISSING_RECORD_ID"],
      [8, "id", "KRP_ERR_MISSING_RECORD_ID"],
    ]);
    expect(verdict).toMatchObject({ submitted: 7, accepted: 2, refused: 5 });
    expect(records.map((r) => r.variables)).toEqual([
      { state: "", born: "", kids: "", sex: "" },
      { state: "", born: "", kids: "", sex: "x" },
    ]);
    const ndjson =
      '{"id":"1","ssn":null,"state":"N/A"}\n{"id":"2","ssn":"7654321","state":null,"kids":" "}\n';
    const n = await upload(ndjson, { format: "ndjson" });
    expect(n.codes).toEqual([[1, "ssn", "KRP_ID_EMPTY"]]);
    expect(n.records.map((r) => r.variables)).toEqual([{ state: "", born: "", kids: "", sex: "" }]);
  });

  it("the same source id twice in one batch: the second is refused naming the first line", async () => {
    const csv = `${HEADER}\n1,1234567,a,nsw,,,\n1,7654321,b,vic,,,\n`;
    const { verdict, records } = await upload(csv);
    expect(verdict.refusals).toEqual([
      {
        line: 3,
        sourceRecordId: "1",
        field: "id",
        code: "KRP_ERR_DUPLICATE_RECORD_ID",
        message: "the source record id already occurs at line 2 of this file",
      },
    ]);
    expect(records.map((r) => r.variables.state)).toEqual(["nsw"]);
  });

  it("values out of type: integer, category; a refusal never quotes the value", async () => {
    const csv = `${HEADER}\n1,1234567,a,nsw,,two,\n2,7654321,b,vic,,,q\n`;
    const { verdict, codes } = await upload(csv);
    expect(codes).toEqual([
      [2, "kids", "KRP_ERR_NOT_AN_INTEGER"],
      [3, "sex", "KRP_ERR_VALUE_NOT_ALLOWED"],
    ]);
    expect(JSON.stringify(verdict)).not.toMatch(/1234567|7654321|two/);
  });

  it("a record with two bad fields names both: the first as field/code, all in problems", async () => {
    const csv = `${HEADER}\n1,1234567,a,nsw,1980-02-31,two,f\n2,7654321,b,vic,,,q\n`;
    const { verdict } = await upload(csv);
    expect(verdict.refusals).toEqual([
      {
        line: 2,
        sourceRecordId: "1",
        field: "born",
        code: "KRP_ERR_NOT_A_DATE",
        message: "the value is not a calendar date (YYYY-MM-DD or YYYYMMDD)",
        problems: [
          {
            field: "born",
            code: "KRP_ERR_NOT_A_DATE",
            message: "the value is not a calendar date (YYYY-MM-DD or YYYYMMDD)",
          },
          { field: "kids", code: "KRP_ERR_NOT_AN_INTEGER", message: "the value is not an integer" },
        ],
      },
      {
        line: 3,
        sourceRecordId: "2",
        field: "sex",
        code: "KRP_ERR_VALUE_NOT_ALLOWED",
        message: "the value is not one of the contract's allowed values",
      },
    ]);
    expect(JSON.stringify(verdict)).not.toMatch(/1980-02-31|two|1234567/);
  });
});

describe("NDJSON", () => {
  it("reads one object per line, refuses unreadable lines on their own, and reads gzip", async () => {
    const ndjson = [
      '{"id":"1","ssn":"1234567","state":"nsw","kids":2}',
      "{not json",
      "[1,2]",
      '{"id":"4","ssn":"7654321","state":{"a":1}}',
      "",
      '{"id":5,"ssn":"1111111","sex":"f"}',
    ].join("\r\n");
    const gz = decodeBody(Readable.from([gzipSync(Buffer.from(ndjson))]), "gzip");
    const published: SourceRecord[] = [];
    const verdict = await processUpload({
      agency: "alpha",
      dataset: "persons",
      uploadId: "u1",
      contract,
      format: "ndjson",
      body: gz,
      sealPublicKey,
      publish: async (messages) => {
        for (const m of messages) published.push(decodeEvent("SourceRecord", m.value));
      },
    });
    expect(verdict.refusals.map((r) => [r.line, r.field, r.code])).toEqual([
      [2, "", "KRP_ERR_MALFORMED_JSON"],
      [3, "", "KRP_ERR_MALFORMED_JSON"],
      [4, "state", "KRP_ERR_NOT_A_SCALAR"],
    ]);
    expect(published.map((r) => [r.sourceRecordId, r.variables.kids, r.variables.sex])).toEqual([
      ["1", "2", ""],
      ["5", "", "f"],
    ]);
  });

  it("turns null, numbers and booleans into text and drops a __proto__ member, as a copy did", async () => {
    const items: unknown[] = [];
    const body = [
      '{"id":"1","a":null,"b":2.5,"c":true,"d":"x"}',
      '{"id":"2","__proto__":"p","e":false}',
      '{"id":"3","__proto__":{"polluted":1}}',
    ].join("\n");
    for await (const item of readRecords(Readable.from([body]), "ndjson", contract))
      items.push(item.fields ? { ...item.fields, own: Object.keys(item.fields) } : item.refusal);
    expect(items).toEqual([
      { id: "1", a: "", b: "2.5", c: "true", d: "x", own: ["id", "a", "b", "c", "d"] },
      { id: "2", e: "false", own: ["id", "e"] },
      {
        line: 3,
        sourceRecordId: null,
        field: "__proto__",
        code: "KRP_ERR_NOT_A_SCALAR",
        message: "a field holds an object or array",
      },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses a body that is not gzip as a whole", async () => {
    const body = decodeBody(Readable.from([Buffer.from("plain text")]), "gzip");
    expect(await formatError(upload(body, { format: "ndjson" }))).toEqual([
      "the body is not valid gzip",
      null,
    ]);
  });
});
