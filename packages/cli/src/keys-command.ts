/** `kruispunt keys init|generate|import`: keyrings are written mode 0600 and never printed. */
import { parseArgs } from "node:util";
import {
  cryptoReady,
  generateKeyring,
  importKeyring,
  keyringFingerprint,
  writeKeyring,
} from "@kruispunt/crypto";
import { initKeys } from "./keys";

/** Runs a keys subcommand; returns the exit code. */
export async function keysCommand(args: string[], keysDir: string): Promise<number> {
  const [sub, ...rest] = args;
  await cryptoReady();
  const { values } = parseArgs({
    args: rest,
    options: {
      out: { type: "string" },
      "link-key-hex": { type: "string" },
      "release-key-hex": { type: "string" },
    },
  });
  if (sub === "init") {
    const created = await initKeys(keysDir);
    console.log(
      created.length ? `created ${created.join(", ")}` : `keys in ${keysDir} already present`,
    );
    return 0;
  }
  if ((sub === "generate" || sub === "import") && values.out) {
    const ring =
      sub === "generate"
        ? generateKeyring(["linkage", "release"])
        : importKeyring({
            linkageKeyHex: values["link-key-hex"] ?? "",
            releaseKeyHex: values["release-key-hex"],
          });
    writeKeyring(values.out, ring);
    console.log(`wrote keyring ${values.out} (fingerprint ${keyringFingerprint(ring)})`);
    return 0;
  }
  console.error(
    "usage: kruispunt keys init | generate --out FILE | import --link-key-hex HEX [--release-key-hex HEX] --out FILE",
  );
  return 2;
}
