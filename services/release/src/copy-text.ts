/**
 * PostgreSQL's COPY text format, as `COPY … TO STDOUT` sends it: fields split by tab,
 * rows by newline, null as `\N`, and backslash escapes for a backslash, tab, newline
 * and the other control characters below. Only `\N` is null: an empty field is "".
 */
import type { Cell } from "@kruispunt/disclosure";

/** The value of a COPY text field (`\N` → null). */
export function decodeCopyField(field: string): Cell {
  if (!field.includes("\\")) return field;
  if (field === "\\N") return null;
  return field.replace(/\\(.)/gs, (_, c: string) => UNESCAPES[c] ?? c);
}

/**
 * COPY TO writes only these escapes (and a backslash before a character that needs
 * none, which stands for the character itself). The octal and hex forms COPY FROM
 * accepts are never written by COPY TO, so they are not decoded here.
 */
const UNESCAPES: Record<string, string> = {
  "\\": "\\",
  t: "\t",
  n: "\n",
  r: "\r",
  b: "\b",
  f: "\f",
  v: "\v",
};
