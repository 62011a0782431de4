/**
 * `kruispunt extract fetch`: a project member downloads an extract, verifies it and
 * decrypts it with their own X25519 key pair (`kruispunt keys member`). Steps: read
 * the manifest (audited by release), open the extract key sealed to the member
 * (crypto_box_seal_open), then stream each file through SHA-256 (checked against the
 * manifest) and the secretstream decryptor, writing plaintext to `NAME.partial` and
 * renaming it only once the final chunk authenticated and the plaintext SHA-256 matched.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import {
  cryptoReady,
  FileDecryptor,
  generateMemberKeyPair,
  type MemberKeyPair,
  openFileKey,
} from "@kruispunt/crypto";
import type { KruispuntClient } from "./client";

/** A member key file: the member's name (their JWT subject) and X25519 key pair. */
export interface MemberKeyFile extends MemberKeyPair {
  name: string;
}

/** Writes a new member key file (mode 0600, never overwrites); returns its public half. */
export async function createMemberKeyFile(path: string, name: string): Promise<string> {
  await cryptoReady();
  const pair = generateMemberKeyPair();
  const fd = openSync(path, "wx", 0o600);
  writeSync(
    fd,
    `${JSON.stringify({ format: "kruispunt-member-key/1", name, ...pair }, null, 2)}\n`,
  );
  closeSync(fd);
  return pair.publicKey;
}

/** Reads a member key file written by {@link createMemberKeyFile}. */
export function readMemberKeyFile(path: string): MemberKeyFile {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<MemberKeyFile>;
  if (typeof parsed.publicKey !== "string" || typeof parsed.secretKey !== "string")
    throw new Error(`${path} is not a member key file (no publicKey/secretKey)`);
  return {
    name: String(parsed.name ?? ""),
    publicKey: parsed.publicKey,
    secretKey: parsed.secretKey,
  };
}

interface Manifest {
  extractId: string;
  rows: number;
  sealedKey: string | null;
  files: {
    name: string;
    url: string;
    bytes: number;
    sha256: string;
    encryptedBytes: number;
    encryptedSha256: string;
  }[];
}

/**
 * Fetches extract `extractId` (default: the newest) of `projectId` into `outDir` as
 * plaintext files; returns their paths by name. Throws if the member has no sealed
 * key, a download fails, a hash differs or decryption fails (nothing partial is left).
 */
export async function fetchExtract(options: {
  client: KruispuntClient;
  projectId: string;
  extractId?: string;
  key: MemberKeyFile;
  outDir: string;
  /** JWT subject; default the key file's name. */
  as?: string;
}): Promise<{ extractId: string; rows: number; files: Record<string, string> }> {
  await cryptoReady();
  const as = { sub: options.as ?? options.key.name, role: "researcher" as const };
  const base = `/v1/projects/${options.projectId}/extracts`;
  let extractId = options.extractId;
  if (!extractId) {
    const list = await options.client.request<{ extracts: { extractId: string }[] }>(
      "release",
      "GET",
      base,
      as,
    );
    extractId = list.extracts.at(-1)?.extractId;
    if (!extractId) throw new Error(`project ${options.projectId} has no extract yet`);
  }
  const manifest = await options.client.request<Manifest>(
    "release",
    "GET",
    `${base}/${extractId}`,
    as,
  );
  if (!manifest.sealedKey) throw new Error(`the extract is not sealed to ${as.sub}`);
  const fileKey = openFileKey(options.key, manifest.sealedKey);
  mkdirSync(options.outDir, { recursive: true, mode: 0o700 });
  const files: Record<string, string> = {};
  try {
    for (const f of manifest.files) {
      const target = join(options.outDir, f.name);
      const partial = `${target}.partial`;
      const fd = openSync(partial, "w", 0o600);
      try {
        const response = await options.client.fetch("release", f.url, as);
        const cipherHash = createHash("sha256");
        const plainHash = createHash("sha256");
        const decryptor = new FileDecryptor(fileKey);
        const out = (chunks: Uint8Array[]) => {
          for (const c of chunks) {
            plainHash.update(c);
            writeSync(fd, c);
          }
        };
        for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
          cipherHash.update(piece);
          out(decryptor.push(piece));
        }
        if (cipherHash.digest("hex") !== f.encryptedSha256)
          throw new Error(`${f.name}: the download does not match the manifest's SHA-256`);
        out(decryptor.final());
        if (plainHash.digest("hex") !== f.sha256)
          throw new Error(`${f.name}: the decrypted file does not match the manifest's SHA-256`);
      } catch (error) {
        closeSync(fd);
        rmSync(partial, { force: true });
        throw error;
      }
      closeSync(fd);
      renameSync(partial, target);
      files[f.name] = target;
    }
  } finally {
    fileKey.fill(0);
  }
  return { extractId, rows: manifest.rows, files };
}
