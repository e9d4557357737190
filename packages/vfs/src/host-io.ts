import * as fs from "node:fs";
import { checkLength, checkRange } from "./base.js";
import { VfsError, type Errno } from "./errors.js";
import { vfsError } from "./fail.js";
import type { OpenMode } from "./flags.js";
import type { FileHandle, FileType, Stats } from "./types.js";

/** Host error codes a guest may see as they are; the rest become `EIO`. */
const PASS_THROUGH = new Set<string>([
  "ENOENT",
  "EACCES",
  "EEXIST",
  "ENOTDIR",
  "EISDIR",
  "ENOTEMPTY",
  "EINVAL",
  "ELOOP",
  "EMFILE",
  "ENOSPC",
  "EXDEV",
  "EBADF",
  "EROFS",
  "EBUSY",
  "ENAMETOOLONG",
]);
const RENAMED: Record<string, Errno> = { EPERM: "EACCES", ENFILE: "EMFILE", EDQUOT: "ENOSPC" };

/**
 * Turns a host `fs` failure into a `VfsError` about the *sandbox* path. The host error (whose
 * message names the host path) is kept only as the non-enumerable `cause`.
 */
export function fromHostError(
  error: unknown,
  syscall: string,
  path: string,
  dest?: string,
): VfsError {
  if (error instanceof VfsError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const errno: Errno =
    typeof code === "string" && PASS_THROUGH.has(code)
      ? (code as Errno)
      : (RENAMED[String(code)] ?? "EIO");
  return new VfsError(errno, syscall, path, { dest }, { cause: error });
}

/** Runs a host call, translating its failure. */
export function host<T>(syscall: string, path: string, fn: () => T, dest?: string): T {
  try {
    return fn();
  } catch (error) {
    throw fromHostError(error, syscall, path, dest);
  }
}

/** statfs magic numbers of kernel pseudo-filesystems a grant must never reach. */
const PSEUDO_FS = new Map<number, string>([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x64626720, "debugfs"],
  [0x73636673, "securityfs"],
  [0x1cd1, "devpts"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x74726163, "tracefs"],
  [0xcafe4a11, "bpf"],
  [0x62656570, "configfs"],
  [0xde5e81e4, "efivarfs"],
  [0x6165676c, "pstore"],
  [0xf97cff8c, "selinuxfs"],
  [0x43415d53, "smackfs"],
  [0x42494e4d, "binfmt_misc"],
  [0x65735543, "fusectl"],
  [0x6e736673, "nsfs"],
]);

/** The kernel pseudo-filesystem `hostPath` lives on (`proc`, `sysfs`, …), or `undefined`. */
export function pseudoFsOf(hostPath: string): string | undefined {
  if (typeof fs.statfsSync !== "function") return undefined;
  try {
    return PSEUDO_FS.get(Number(fs.statfsSync(hostPath).type));
  } catch {
    return undefined;
  }
}

/** The guest-visible type of a host entry; `undefined` for special files. */
export function hostType(st: fs.Stats | fs.Dirent): FileType | undefined {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  return undefined;
}

/** Host metadata as guest `Stats`, with write/execute bits cleared where the grant lacks them. */
export function hostStats(st: fs.Stats, write: boolean, execute: boolean): Stats {
  const type = hostType(st) ?? "file";
  let mode = st.mode & 0o7777;
  if (!write) mode &= ~0o222;
  if (!execute && type !== "dir") mode &= ~0o111;
  return {
    type,
    size: st.size,
    mode,
    mtimeMs: st.mtimeMs,
    atimeMs: st.atimeMs,
    ctimeMs: st.ctimeMs,
    birthtimeMs: st.birthtimeMs,
    ino: st.ino,
    nlink: st.nlink,
  };
}

/** An open host file. Reads and writes are positional (`pread`/`pwrite`); the position is kept here. */
export class HostHandle implements FileHandle {
  #fd: number | undefined;
  #position = 0;

  constructor(
    fd: number,
    private readonly path: string,
    private readonly mode: OpenMode,
    private readonly grant: { readonly write: boolean; readonly execute: boolean },
  ) {
    this.#fd = fd;
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number | null): number {
    const fd = this.#use("read", this.mode.read);
    checkRange("read", this.path, buffer, offset, length, position);
    const n = host("read", this.path, () =>
      fs.readSync(fd, buffer, offset, length, position ?? this.#position),
    );
    if (position === null) this.#position += n;
    return n;
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number | null): number {
    const fd = this.#use("write", this.mode.write);
    checkRange("write", this.path, buffer, offset, length, position);
    // With O_APPEND the kernel writes at the end whatever position is passed.
    const at = this.mode.append ? null : (position ?? this.#position);
    const n = host("write", this.path, () => fs.writeSync(fd, buffer, offset, length, at));
    if (this.mode.append) this.#position = host("write", this.path, () => fs.fstatSync(fd).size);
    else if (position === null) this.#position += n;
    return n;
  }

  stat(): Stats {
    const fd = this.#use("fstat", true);
    return hostStats(
      host("fstat", this.path, () => fs.fstatSync(fd)),
      this.grant.write,
      this.grant.execute,
    );
  }

  truncate(length: number): void {
    const fd = this.#use("ftruncate", this.mode.write);
    checkLength("ftruncate", this.path, length);
    host("ftruncate", this.path, () => fs.ftruncateSync(fd, length));
  }

  close(): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    host("close", this.path, () => fs.closeSync(fd));
  }

  #use(syscall: string, allowed: boolean): number {
    if (this.#fd === undefined || !allowed) throw vfsError("EBADF", syscall, this.path);
    return this.#fd;
  }
}
