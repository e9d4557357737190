/**
 * Files in the on-disk cache directory (engine snapshots, compiled code), which only this user
 * may have written: the directory is created private (0700), files are written 0600 through a
 * rename (a reader never sees half a file), and a file is read only if it is a regular file
 * owned by this user and not writable by others. Anything else reads as "no file".
 */
import { nodeCrypto } from "./builtins.js";
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * The file's bytes, or `{ miss }` saying why not (for debug logs): `"absent"`, `"not private"`,
 * or the I/O error's message.
 */
export function readPrivateFile(path: string): Buffer | { miss: string } {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const st = fstatSync(fd);
    const uid = process.getuid?.();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
      return { miss: "not private" };
    }
    const buf = Buffer.allocUnsafe(st.size);
    let read = 0;
    while (read < st.size) {
      const n = readSync(fd, buf, read, st.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buf.subarray(0, read);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { miss: code === "ENOENT" ? "absent" : (err as Error).message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `data` to `path` (its directory created private): throws on failure. */
export function writePrivateFile(path: string, data: Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(
    dir,
    `.${basename(path)}.${process.pid}.${nodeCrypto().randomBytes(4).toString("hex")}.tmp`,
  );
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(tmp, data, { mode: 0o600, flag: "wx" });
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw err;
  }
}
