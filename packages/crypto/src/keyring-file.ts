/**
 * Keyring files: written owner-only and atomically, refused on read if anyone but the
 * owner could read or change them (the same rule OpenSSH applies to private keys).
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { CryptoErrorCode, KeyringError } from "./errors";
import { keyringFromJson, parseKeyring, serialiseKeyring } from "./keyring-codec";
import type { Keyring } from "./keyring-types";

/** Options of {@link writeKeyring}. */
export interface WriteKeyringOptions {
  /** Replace an existing file at `path` (default: refuse with KRP_ERR_KEYRING_EXISTS). */
  overwrite?: boolean;
}

function ioError(action: string, path: string, err: unknown): KeyringError {
  // Keep only the errno code: enough to act on, and never file contents.
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? "unknown error";
  return new KeyringError(
    CryptoErrorCode.KRP_ERR_KEYRING_IO,
    `cannot ${action} keyring ${path}: ${code}`,
  );
}

/** Creates `dir` and missing ancestors; the directories it creates get mode 0700. */
function makeParent(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return; // already existed: leave its mode to its owner
  // mkdir's mode is filtered by the umask; chmod makes it exactly 0700.
  let current = first;
  chmodSync(current, 0o700);
  for (const part of relative(first, dir).split(sep).filter(Boolean)) {
    current = join(current, part);
    chmodSync(current, 0o700);
  }
}

/** Best-effort fsync of a directory so a rename/link survives a crash. */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the file itself is already synced.
  }
}

/**
 * Writes `ring` as JSON (see keyring-codec.ts) to `path`, mode 0600.
 *
 * The keyring is validated first (so no unreadable file is ever written), written to a
 * temporary file in the same directory created with mode 0600 (and fchmod'ed, as the
 * umask may differ), fsynced, then moved into place: `rename` when overwriting, or a
 * hard `link` otherwise, which fails atomically if `path` appeared meanwhile. A crash
 * thus never leaves a half-written keyring. Missing parent directories are created
 * with mode 0700; an existing parent keeps its mode.
 *
 * @throws KeyringError `KRP_ERR_KEYRING_EXISTS` if `path` exists and `opts.overwrite`
 *   is not set; `KRP_ERR_KEYRING_FORMAT` for an invalid keyring; `KRP_ERR_KEYRING_IO`
 *   for file-system failures (message carries the path and errno code only).
 */
export function writeKeyring(path: string, ring: Keyring, opts: WriteKeyringOptions = {}): void {
  const text = serialiseKeyring(ring);
  keyringFromJson(JSON.parse(text));
  const target = resolve(path);
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${randomBytes(8).toString("hex")}.tmp`);
  try {
    makeParent(dir);
    const fd = openSync(tmp, "wx", 0o600);
    try {
      fchmodSync(fd, 0o600);
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (opts.overwrite) {
      renameSync(tmp, target);
    } else {
      try {
        linkSync(tmp, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") {
          throw new KeyringError(
            CryptoErrorCode.KRP_ERR_KEYRING_EXISTS,
            `keyring ${path} already exists; pass { overwrite: true } to replace it`,
          );
        }
        throw err;
      }
    }
    syncDir(dir);
  } catch (err) {
    if (err instanceof KeyringError) throw err;
    throw ioError("write", path, err);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Reads and validates a keyring file written by {@link writeKeyring}.
 *
 * The mode is checked on the opened file descriptor (no race between check and read).
 *
 * @throws KeyringError `KRP_ERR_KEYRING_PERMISSIONS` if `(mode & 0o077) !== 0`, i.e.
 *   group or others have any access (fix with `chmod 600`); `KRP_ERR_KEYRING_FORMAT`
 *   for bad JSON or shape; `KRP_ERR_KEYRING_IO` if the file cannot be opened or is not
 *   a regular file. Messages never include key material.
 */
export function readKeyring(path: string): Keyring {
  let text: string;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw ioError("open", path, err);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new KeyringError(
        CryptoErrorCode.KRP_ERR_KEYRING_IO,
        `keyring ${path} is not a regular file`,
      );
    }
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
      throw new KeyringError(
        CryptoErrorCode.KRP_ERR_KEYRING_PERMISSIONS,
        `keyring ${path} has mode ${mode}; group and others must have no access (chmod 600)`,
      );
    }
    text = readFileSync(fd, "utf8");
  } catch (err) {
    if (err instanceof KeyringError) throw err;
    throw ioError("read", path, err);
  } finally {
    closeSync(fd);
  }
  return parseKeyring(text);
}
