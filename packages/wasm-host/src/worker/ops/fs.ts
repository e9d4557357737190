/**
 * `fs.call`: the guest's `fs` module, one sync op over the run's vfs (granted dirs + a private
 * in-memory `/tmp`). Errors become Node-shaped guest errors: `code`, negative `errno`,
 * `syscall`, `path`, and the message `ENOENT: no such file or directory, open '/x'`.
 */
import { VfsError, type OpenFlags, type Stats } from "@airlock/vfs";
import { capsOf } from "./caps.js";
import { GuestError, type Op } from "./types.js";

/** libuv's numbers and texts for the errnos a vfs throws. */
const UV: Record<string, [number, string]> = {
  EPERM: [-1, "operation not permitted"],
  ENOENT: [-2, "no such file or directory"],
  EIO: [-5, "i/o error"],
  EBADF: [-9, "bad file descriptor"],
  EACCES: [-13, "permission denied"],
  EBUSY: [-16, "resource busy or locked"],
  EEXIST: [-17, "file already exists"],
  EXDEV: [-18, "cross-device link not permitted"],
  ENOTDIR: [-20, "not a directory"],
  EISDIR: [-21, "illegal operation on a directory"],
  EINVAL: [-22, "invalid argument"],
  EMFILE: [-24, "too many open files"],
  ENOSPC: [-28, "no space left on device"],
  EROFS: [-30, "read-only file system"],
  ENAMETOOLONG: [-36, "name too long"],
  ENOTEMPTY: [-39, "directory not empty"],
  ELOOP: [-40, "too many symbolic links encountered"],
};

/** A Node-style guest error; `syscall` is what Node would name for the API the guest called. */
export function uvError(code: string, syscall: string, path?: string, dest?: string): GuestError {
  const [errno, text] = UV[code] ?? [-5, "i/o error"];
  let message = `${code}: ${text}, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const data: Record<string, string | number> = { errno, syscall };
  if (path !== undefined) data.path = path;
  if (dest !== undefined) data.dest = dest;
  return new GuestError(code, message, data);
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== "string")
    throw new GuestError("ERR_INVALID_ARG_TYPE", `The "${what}" argument must be of type string`);
  return v;
};
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const stats = (s: Stats) => ({ ...s });

const MAX_READ = 64 * 1024 * 1024;

/**
 * Arguments: `[method, syscall, ...args]`; `syscall` only names the call in error messages.
 * Paths are sandbox paths; relative ones resolve against the run's cwd.
 */
export const fsOps: Record<string, Op> = {
  "fs.call": {
    kind: "sync",
    run(args, bytes, ctx) {
      const { vfs, cwd } = capsOf(ctx);
      const [method, syscall, a, b, c] = args as [string, string, unknown, unknown, unknown];
      const path = typeof a === "string" ? a : undefined;
      try {
        switch (method) {
          case "cwd":
            return cwd;
          case "stat":
            return stats(vfs.stat(str(a, "path")));
          case "lstat":
            return stats(vfs.lstat(str(a, "path")));
          case "readdir":
            return b === true
              ? vfs.readdir(str(a, "path"), { withFileTypes: true })
              : vfs.readdir(str(a, "path"));
          case "readFile": {
            const data = vfs.readFile(str(a, "path"));
            if (data.byteLength > MAX_READ) throw uvError("EFBIG", syscall, path);
            return data;
          }
          case "writeFile": {
            const o = (b ?? {}) as { append?: boolean; exclusive?: boolean; mode?: number };
            vfs.writeFile(str(a, "path"), bytes ?? new Uint8Array(0), {
              append: o.append === true,
              exclusive: o.exclusive === true,
              ...(typeof o.mode === "number" ? { mode: o.mode } : {}),
            });
            return null;
          }
          case "mkdir":
            vfs.mkdir(str(a, "path"), { recursive: b === true });
            return null;
          case "unlink":
            vfs.unlink(str(a, "path"));
            return null;
          case "rmdir":
            vfs.rmdir(str(a, "path"));
            return null;
          case "rm":
            vfs.rm(str(a, "path"), { recursive: b === true, force: c === true });
            return null;
          case "rename":
            vfs.rename(str(a, "oldPath"), str(b, "newPath"));
            return null;
          case "exists":
            return typeof a === "string" && vfs.exists(a);
          case "realpath":
            return vfs.realpath(str(a, "path"));
          case "symlink":
            vfs.symlink(str(a, "target"), str(b, "path"));
            return null;
          case "readlink":
            return vfs.readlink(str(a, "path"));
          case "truncate":
            vfs.truncate(str(a, "path"), num(b));
            return null;
          case "open":
            return vfs.open(
              str(a, "path"),
              (b ?? "r") as OpenFlags,
              typeof c === "number" ? c : undefined,
            );
          case "read": {
            const length = Math.max(0, Math.min(num(b), MAX_READ));
            const buf = new Uint8Array(length);
            const n = vfs.read(num(a), buf, 0, length, typeof c === "number" ? c : null);
            return buf.subarray(0, n);
          }
          case "write": {
            const data = bytes ?? new Uint8Array(0);
            return vfs.write(num(a), data, 0, data.byteLength, typeof b === "number" ? b : null);
          }
          case "fstat":
            return stats(vfs.fstat(num(a)));
          case "ftruncate":
            vfs.ftruncate(num(a), num(b));
            return null;
          case "close":
            vfs.close(num(a));
            return null;
          default:
            throw new GuestError("ERR_UNKNOWN_OP", `unknown fs method "${method}"`);
        }
      } catch (err) {
        if (err instanceof VfsError) {
          const dest = method === "rename" || method === "symlink" ? err.dest : undefined;
          throw uvError(err.errno, syscall || err.syscall, err.path, dest);
        }
        throw err;
      }
    },
  },
};
