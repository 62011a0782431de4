import { describe, expect, it } from "vitest";
import { decodeCopyField } from "./copy-text";

describe("decodeCopyField", () => {
  it("reads COPY text fields as PostgreSQL writes them: \\N is null, escapes are undone", () => {
    expect(decodeCopyField("\\N")).toBeNull();
    expect(decodeCopyField("")).toBe("");
    expect(decodeCopyField("19530412")).toBe("19530412");
    expect(decodeCopyField("a\\tb\\nc\\\\d\\re\\bf\\fg\\vh")).toBe("a\tb\nc\\d\re\bf\fg\vh");
    // A literal backslash followed by N is escaped, so it is not null.
    expect(decodeCopyField("\\\\N")).toBe("\\N");
    // A backslash before a character that needs no escape stands for the character.
    expect(decodeCopyField("\\é")).toBe("é");
  });
});
