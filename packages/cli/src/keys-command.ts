/** `kruispunt keys init|generate|import|rotate`: keyrings are written mode 0600 and never printed. */
import { parseArgs } from "node:util";
import {
  cryptoReady,
  currentKey,
  generateKeyring,
  importKeyring,
  keyringFingerprint,
  readKeyring,
  rotateLinkageKey,
  writeKeyring,
} from "@kruispunt/crypto";
import { keyFiles } from "@kruispunt/service-kit";
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
      keyring: { type: "string" },
    },
  });
  if (sub === "rotate") {
    // Adds linkage key version n+1; the pseudonymiser uses it from its next start and
    // the linker then re-keys its store through the pseudonymiser (no identifiers).
    const path = values.keyring ?? keyFiles(keysDir).pseudonymiserKeyring;
    const ring = rotateLinkageKey(readKeyring(path));
    writeKeyring(path, ring, { overwrite: true });
    console.log(
      `linkage key rotated to version ${currentKey(ring, "linkage").version} in ${path} (fingerprint ${keyringFingerprint(ring)}); restart the pseudonymiser to use it`,
    );
    return 0;
  }
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
    "usage: kruispunt keys rotate [--keyring FILE] | init | generate --out FILE | import --link-key-hex HEX [--release-key-hex HEX] --out FILE",
  );
  return 2;
}
