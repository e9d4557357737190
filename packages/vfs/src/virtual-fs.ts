import { BaseFs, checkLength, checkRange, fsSegments, growBuffer, toBytes } from "./base.js";
import { VfsConfigError, VfsError } from "./errors.js";
import { vfsError } from "./fail.js";
import { parseFlags, type OpenMode } from "./flags.js";
import { checkPathString, childPath, joinSegments } from "./path.js";
import type {
  DirEntry,
  FileHandle,
  FileType,
  OpenFlags,
  Stats,
  WriteFileOptions,
} from "./types.js";
import { walk, type MissingPolicy, type Walked, type Walker } from "./walk.js";

/** What a `stat` callback returns for an existing entry. Missing fields get defaults. */
export interface VirtualStat {
  readonly type: FileType;
  /** Default 0. */
  readonly size?: number;
  /** Default `0o644` for files, `0o755` for directories, `0o777` for links. */
  readonly mode?: number;
  /** Default: when the filesystem was created. */
  readonly mtimeMs?: number;
}

/**
 * The callbacks behind a `virtualFs`. Each receives an absolute path inside the filesystem with
 * every symbolic link already resolved (except in `stat`, which is `lstat`-like, and
 * `readlink`). Throw a `VfsError` to fail with a chosen errno; anything else thrown becomes `EIO`
 * with a fixed message (the original is kept only as the error's non-enumerable `cause`).
 * A mutation whose callback is absent fails with `EROFS`.
 */
export interface VirtualFsCallbacks {
  /** The entry at `path`, or `null`/`undefined` when there is none. */
  stat(path: string): VirtualStat | null | undefined;
  /** Names (or names with types) in the directory at `path`. */
  list(path: string): readonly (string | DirEntry)[];
  /** The whole content of the file at `path`. */
  read(path: string): Uint8Array | string;
  /** Creates or replaces (or, with `append`, extends) the file at `path`. */
  write?(path: string, data: Uint8Array, options: { readonly append: boolean }): void;
  /** The target of the link at `path` (absolute targets start at this filesystem's root). */
  readlink?(path: string): string;
  mkdir?(path: string): void;
  /** Removes a file, link or empty directory. */
  remove?(path: string): void;
  rename?(from: string, to: string): void;
  symlink?(target: string, path: string): void;
}

const DEFAULT_MODES: Record<FileType, number> = { file: 0o644, dir: 0o755, symlink: 0o777 };
const TYPES = new Set<string>(["file", "dir", "symlink"]);

/**
 * A filesystem programmed with callbacks (generated files, an API exposed as files). Paths are
 * resolved here, links included; callbacks see only resolved absolute paths. A positional write
 * through `open` edits a copy that `close` hands to `write` as a whole.
 */
export function virtualFs(callbacks: VirtualFsCallbacks): VirtualFs {
  for (const name of ["stat", "list", "read"] as const) {
    if (typeof callbacks?.[name] !== "function") {
      throw new VfsConfigError(`virtualFs: the ${name} callback is required`);
    }
  }
  return new VirtualFs(callbacks);
}

/** The object `virtualFs()` returns. */
export class VirtualFs extends BaseFs {
  readonly kind = "virtual" as const;
  readonly #cb: VirtualFsCallbacks;
  readonly #created = Date.now();

  constructor(callbacks: VirtualFsCallbacks) {
    super();
    this.#cb = callbacks;
  }

  stat(path: string): Stats {
    const at = this.#walk(path, "stat", true, "error");
    return this.#stats(joinSegments(at.segments), "stat", path);
  }

  lstat(path: string): Stats {
    const at = this.#walk(path, "lstat", false, "error");
    return this.#stats(joinSegments(at.segments), "lstat", path);
  }

  protected readdirEntries(path: string): DirEntry[] {
    const at = this.#walk(path, "scandir", true, "error");
    if (at.found?.type !== "dir") throw vfsError("ENOTDIR", "scandir", path);
    const dir = joinSegments(at.segments);
    const listed = this.#call("scandir", path, () => this.#cb.list(dir));
    if (!Array.isArray(listed)) throw badCallback("scandir", path);
    const entries: DirEntry[] = [];
    for (const item of listed as unknown[]) {
      const name = typeof item === "string" ? item : (item as DirEntry | null)?.name;
      if (typeof name !== "string" || !validName(name)) throw badCallback("scandir", path);
      let type = typeof item === "string" ? undefined : (item as DirEntry).type;
      if (type === undefined) type = this.#lookup(childPath(dir, name), "scandir", path)?.type;
      if (type === undefined) continue;
      if (!TYPES.has(type)) throw badCallback("scandir", path);
      entries.push({ name, type });
    }
    return entries;
  }

  protected mkdirOne(path: string, _mode: number): void {
    const at = this.#walk(path, "mkdir", false, "last");
    if (at.found !== undefined) throw vfsError("EEXIST", "mkdir", path);
    const mkdir = this.#need("mkdir", "mkdir", path);
    this.#call("mkdir", path, () => mkdir(joinSegments(at.segments)));
  }

  unlink(path: string): void {
    const at = this.#walk(path, "unlink", false, "error");
    if (at.found?.type === "dir") throw vfsError("EISDIR", "unlink", path);
    const remove = this.#need("remove", "unlink", path);
    this.#call("unlink", path, () => remove(joinSegments(at.segments)));
  }

  rmdir(path: string): void {
    const at = this.#walk(path, "rmdir", false, "error");
    if (at.found?.type !== "dir") throw vfsError("ENOTDIR", "rmdir", path);
    if (at.name === undefined) throw vfsError("EBUSY", "rmdir", path);
    if (this.readdirEntries(path).length > 0) throw vfsError("ENOTEMPTY", "rmdir", path);
    const remove = this.#need("remove", "rmdir", path);
    this.#call("rmdir", path, () => remove(joinSegments(at.segments)));
  }

  rename(from: string, to: string): void {
    const src = this.#walk(from, "rename", false, "error");
    const dst = this.#walk(to, "rename", false, "last");
    if (src.name === undefined || dst.name === undefined)
      throw vfsError("EBUSY", "rename", from, undefined, to);
    const rename = this.#need("rename", "rename", from, to);
    this.#call(
      "rename",
      from,
      () => rename(joinSegments(src.segments), joinSegments(dst.segments)),
      to,
    );
  }

  realpath(path: string): string {
    return joinSegments(this.#walk(path, "realpath", true, "error").segments);
  }

  symlink(target: string, path: string): void {
    checkPathString(target, "symlink");
    const at = this.#walk(path, "symlink", false, "last");
    if (at.found !== undefined) throw vfsError("EEXIST", "symlink", path);
    const symlink = this.#need("symlink", "symlink", path);
    this.#call("symlink", path, () => symlink(target, joinSegments(at.segments)));
  }

  readlink(path: string): string {
    const at = this.#walk(path, "readlink", false, "error");
    if (at.found?.type !== "symlink")
      throw vfsError("EINVAL", "readlink", path, "not a symbolic link");
    return this.#readlink(joinSegments(at.segments), "readlink", path);
  }

  truncate(path: string, length = 0): void {
    checkLength("truncate", path, length);
    const real = this.#file(path, "truncate");
    const write = this.#need("write", "truncate", path);
    const content = this.#read(real, "truncate", path);
    const data = growBuffer(content, content.byteLength, length).subarray(0, length);
    this.#call("truncate", path, () => write(real, data, { append: false }));
  }

  override readFile(path: string): Uint8Array {
    return this.#read(this.#file(path, "open"), "read", path);
  }

  override writeFile(
    path: string,
    data: Uint8Array | string,
    options: WriteFileOptions = {},
  ): void {
    const bytes = toBytes(data).slice();
    const at = this.#walk(path, "open", true, "last");
    if (at.found !== undefined && options.exclusive) throw vfsError("EEXIST", "open", path);
    if (at.found?.type === "dir") throw vfsError("EISDIR", "open", path);
    const write = this.#need("write", "open", path);
    const real = joinSegments(at.segments);
    this.#call("write", path, () => write(real, bytes, { append: options.append === true }));
  }

  open(path: string, flags: OpenFlags, _mode?: number): FileHandle {
    const m = parseFlags(flags, path);
    const at = this.#walk(path, "open", true, m.create ? "last" : "error");
    if (at.found !== undefined && m.exclusive) throw vfsError("EEXIST", "open", path);
    if (at.found?.type === "dir") throw vfsError("EISDIR", "open", path);
    const real = joinSegments(at.segments);
    if (!m.write) return new VirtualHandle(this, real, path, m, this.#read(real, "read", path));
    const write = this.#need("write", "open", path);
    if (at.found === undefined)
      this.#call("open", path, () => write(real, new Uint8Array(0), { append: false }));
    const content =
      at.found === undefined || m.truncate ? new Uint8Array(0) : this.#read(real, "read", path);
    return new VirtualHandle(this, real, path, m, content);
  }

  /** @internal Hands a handle's edited content to the `write` callback. */
  flush(real: string, path: string, data: Uint8Array): void {
    const write = this.#need("write", "close", path);
    this.#call("close", path, () => write(real, data.slice(), { append: false }));
  }

  // --- internals ---

  #walker(syscall: string, path: string): Walker<string> {
    return {
      root: "/",
      lookup: (dir, name) => {
        const child = childPath(dir, name);
        const found = this.#lookup(child, syscall, path);
        return found === undefined ? undefined : { node: child, type: found.type };
      },
      readlink: (link) => this.#readlink(link, syscall, path),
    };
  }

  #walk(path: string, syscall: string, follow: boolean, missing: MissingPolicy): Walked<string> {
    return walk(this.#walker(syscall, path), fsSegments(path, syscall), {
      follow,
      missing,
      syscall,
      path,
    });
  }

  /** Resolves a path that must name a file; returns its real path. */
  #file(path: string, syscall: string): string {
    const at = this.#walk(path, syscall, true, "error");
    if (at.found?.type === "dir") throw vfsError("EISDIR", syscall, path);
    return joinSegments(at.segments);
  }

  /** The validated result of the `stat` callback, or `undefined`. */
  #lookup(real: string, syscall: string, path: string): VirtualStat | undefined {
    const st = this.#call(syscall, path, () => this.#cb.stat(real));
    if (st === null || st === undefined) return undefined;
    if (typeof st !== "object" || !TYPES.has(st.type)) throw badCallback(syscall, path);
    return st;
  }

  #stats(real: string, syscall: string, path: string): Stats {
    const st = this.#lookup(real, syscall, path);
    if (st === undefined) throw vfsError("ENOENT", syscall, path);
    const size = st.size ?? 0;
    const mode = st.mode ?? DEFAULT_MODES[st.type];
    const mtimeMs = st.mtimeMs ?? this.#created;
    if (
      !Number.isSafeInteger(size) ||
      size < 0 ||
      !Number.isInteger(mode) ||
      !Number.isFinite(mtimeMs)
    ) {
      throw badCallback(syscall, path);
    }
    return {
      type: st.type,
      size,
      mode: mode & 0o7777 & (this.#cb.write ? 0o7777 : ~0o222),
      mtimeMs,
      atimeMs: mtimeMs,
      ctimeMs: mtimeMs,
      birthtimeMs: this.#created,
      ino: hashIno(real),
      nlink: st.type === "dir" ? 2 : 1,
    };
  }

  #read(real: string, syscall: string, path: string): Uint8Array {
    const data = this.#call(syscall, path, () => this.#cb.read(real));
    if (typeof data === "string") return toBytes(data);
    if (!(data instanceof Uint8Array)) throw badCallback(syscall, path);
    return data.slice();
  }

  #readlink(real: string, syscall: string, path: string): string {
    const readlink = this.#cb.readlink;
    if (readlink === undefined) throw badCallback(syscall, path);
    const target = this.#call(syscall, path, () => readlink(real));
    if (typeof target !== "string" || target.includes("\0")) throw badCallback(syscall, path);
    return target;
  }

  #need<K extends "write" | "mkdir" | "remove" | "rename" | "symlink">(
    name: K,
    syscall: string,
    path: string,
    dest?: string,
  ): NonNullable<VirtualFsCallbacks[K]> {
    const fn = this.#cb[name];
    if (typeof fn !== "function") throw vfsError("EROFS", syscall, path, undefined, dest);
    return fn.bind(this.#cb) as NonNullable<VirtualFsCallbacks[K]>;
  }

  /** Runs a callback: a `VfsError` passes through, anything else becomes `EIO`. */
  #call<T>(syscall: string, path: string, fn: () => T, dest?: string): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof VfsError) throw error;
      throw new VfsError(
        "EIO",
        syscall,
        path,
        { dest, detail: "virtual filesystem callback failed" },
        { cause: error },
      );
    }
  }
}

class VirtualHandle implements FileHandle {
  #closed = false;
  #dirty = false;
  #position = 0;
  #data: Uint8Array;
  #size: number;

  constructor(
    private readonly fs: VirtualFs,
    private readonly real: string,
    private readonly path: string,
    private readonly mode: OpenMode,
    content: Uint8Array,
  ) {
    this.#data = content;
    this.#size = content.byteLength;
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number | null): number {
    this.#check("read", this.mode.read);
    checkRange("read", this.path, buffer, offset, length, position);
    const at = position ?? this.#position;
    const n = Math.max(0, Math.min(length, this.#size - at));
    if (n > 0) buffer.set(this.#data.subarray(at, at + n), offset);
    if (position === null) this.#position += n;
    return n;
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number | null): number {
    this.#check("write", this.mode.write);
    checkRange("write", this.path, buffer, offset, length, position);
    const at = this.mode.append ? this.#size : (position ?? this.#position);
    this.#resize(Math.max(this.#size, at + length));
    this.#data.set(buffer.subarray(offset, offset + length), at);
    this.#dirty = true;
    if (position === null || this.mode.append) this.#position = at + length;
    return length;
  }

  stat(): Stats {
    this.#check("fstat", true);
    const stats = this.fs.lstat(this.real);
    return { ...stats, size: this.#size };
  }

  truncate(length: number): void {
    this.#check("ftruncate", this.mode.write);
    checkLength("ftruncate", this.path, length);
    this.#resize(length);
    this.#dirty = true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#dirty) this.fs.flush(this.real, this.path, this.#data.subarray(0, this.#size));
  }

  #resize(length: number): void {
    this.#data = growBuffer(this.#data, this.#size, length);
    this.#size = length;
  }

  #check(syscall: string, allowed: boolean): void {
    if (this.#closed || !allowed) throw vfsError("EBADF", syscall, this.path);
  }
}

function badCallback(syscall: string, path: string): VfsError {
  return vfsError("EIO", syscall, path, "virtual filesystem callback returned an invalid value");
}

function validName(name: string): boolean {
  return (
    name !== "" && name !== "." && name !== ".." && !name.includes("/") && !name.includes("\0")
  );
}

/** A stable inode number for a virtual path (FNV-1a, 32 bits). */
function hashIno(path: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) {
    hash ^= path.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
