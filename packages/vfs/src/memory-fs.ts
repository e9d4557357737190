import { BaseFs, checkLength, checkRange, fsSegments, growBuffer, toBytes } from "./base.js";
import { VfsConfigError } from "./errors.js";
import { vfsError } from "./fail.js";
import { parseFlags } from "./flags.js";
import { byName, checkPathString, isWithin, joinSegments } from "./path.js";
import type { DirEntry, FileHandle, OpenFlags, Stats, WriteFileOptions } from "./types.js";
import { walk, type MissingPolicy, type Walked, type Walker } from "./walk.js";

export interface MemoryFsOptions {
  /** Total bytes of file contents and link targets; beyond it writes fail with `ENOSPC`. Default 64 MiB. */
  readonly maxBytes?: number;
  /** Files, directories and links (the root not counted); beyond it creation fails with `ENOSPC`. Default 10,000. */
  readonly maxFiles?: number;
}

/** Quotas a `memoryFs` gets when the option is left out. */
export const MEMORY_FS_DEFAULTS = Object.freeze({ maxBytes: 64 * 1024 * 1024, maxFiles: 10_000 });

interface Times {
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  readonly birthtimeMs: number;
}
interface MemDir extends Times {
  readonly type: "dir";
  readonly ino: number;
  mode: number;
  readonly children: Map<string, MemNode>;
}
interface MemFile extends Times {
  readonly type: "file";
  readonly ino: number;
  mode: number;
  data: Uint8Array;
  size: number;
  /** Open handles; an unlinked file keeps its quota until the last one closes. */
  opened: number;
  linked: boolean;
}
interface MemLink extends Times {
  readonly type: "symlink";
  readonly ino: number;
  mode: number;
  readonly target: string;
}
type MemNode = MemDir | MemFile | MemLink;

/**
 * An in-memory scratch filesystem with quotas (`ENOSPC` past `maxBytes` or `maxFiles`). Symbolic
 * links resolve inside it; an absolute target starts at its root.
 */
export function memoryFs(options: MemoryFsOptions = {}): MemoryFs {
  const maxBytes = options.maxBytes ?? MEMORY_FS_DEFAULTS.maxBytes;
  const maxFiles = options.maxFiles ?? MEMORY_FS_DEFAULTS.maxFiles;
  for (const [name, value] of [
    ["maxBytes", maxBytes],
    ["maxFiles", maxFiles],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new VfsConfigError(`memoryFs: ${name} must be a non-negative integer, got ${value}`);
    }
  }
  return new MemoryFs(maxBytes, maxFiles);
}

/** The object `memoryFs()` returns. */
export class MemoryFs extends BaseFs {
  readonly kind = "memory" as const;
  readonly maxBytes: number;
  readonly maxFiles: number;
  #usedBytes = 0;
  #usedFiles = 0;
  #nextIno = 1;
  readonly #root: MemDir;
  readonly #walker: Walker<MemNode>;

  constructor(maxBytes: number, maxFiles: number) {
    super();
    this.maxBytes = maxBytes;
    this.maxFiles = maxFiles;
    this.#root = this.#newDir(0o755);
    this.#walker = {
      root: this.#root,
      lookup: (dir, name) => {
        const node = (dir as MemDir).children.get(name);
        return node === undefined ? undefined : { node, type: node.type };
      },
      readlink: (link) => (link as MemLink).target,
    };
  }

  /** Bytes in use (file contents and link targets). */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  /** Files, directories and links in use. */
  get usedFiles(): number {
    return this.#usedFiles;
  }

  stat(path: string): Stats {
    return toStats(this.#get(path, "stat", true));
  }

  lstat(path: string): Stats {
    return toStats(this.#get(path, "lstat", false));
  }

  protected readdirEntries(path: string): DirEntry[] {
    const dir = this.#get(path, "scandir", true);
    if (dir.type !== "dir") throw vfsError("ENOTDIR", "scandir", path);
    return [...dir.children].map(([name, node]) => ({ name, type: node.type })).sort(byName);
  }

  protected mkdirOne(path: string, mode: number): void {
    const at = this.#walk(path, "mkdir", false, "last");
    if (at.found !== undefined) throw vfsError("EEXIST", "mkdir", path);
    this.#link(at, this.#newDir(mode), "mkdir", path);
  }

  unlink(path: string): void {
    const at = this.#walk(path, "unlink", false, "error");
    const node = at.found?.node as MemNode;
    if (node.type === "dir") throw vfsError("EISDIR", "unlink", path);
    this.#unlink(at.parent as MemDir, at.name as string);
  }

  rmdir(path: string): void {
    const at = this.#walk(path, "rmdir", false, "error");
    const node = at.found?.node as MemNode;
    if (node.type !== "dir") throw vfsError("ENOTDIR", "rmdir", path);
    if (at.name === undefined) throw vfsError("EBUSY", "rmdir", path);
    if (node.children.size > 0) throw vfsError("ENOTEMPTY", "rmdir", path);
    this.#unlink(at.parent as MemDir, at.name);
  }

  rename(from: string, to: string): void {
    const src = this.#walk(from, "rename", false, "error");
    const dst = this.#walk(to, "rename", false, "last");
    const node = src.found?.node as MemNode;
    if (src.name === undefined || dst.name === undefined) {
      throw vfsError("EBUSY", "rename", from, undefined, to);
    }
    const existing = dst.found?.node as MemNode | undefined;
    if (existing === node) return;
    if (node.type === "dir" && isWithin(dst.segments, src.segments)) {
      throw vfsError("EINVAL", "rename", from, "cannot move a directory into itself", to);
    }
    if (existing !== undefined) {
      if (node.type === "dir" && existing.type !== "dir") {
        throw vfsError("ENOTDIR", "rename", from, undefined, to);
      }
      if (node.type !== "dir" && existing.type === "dir") {
        throw vfsError("EISDIR", "rename", from, undefined, to);
      }
      if (existing.type === "dir" && existing.children.size > 0) {
        throw vfsError("ENOTEMPTY", "rename", from, undefined, to);
      }
      this.#unlink(dst.parent as MemDir, dst.name);
    }
    const srcParent = src.parent as MemDir;
    const dstParent = dst.parent as MemDir;
    srcParent.children.delete(src.name);
    dstParent.children.set(dst.name, node);
    const now = Date.now();
    touch(srcParent, now);
    touch(dstParent, now);
    node.ctimeMs = now;
  }

  realpath(path: string): string {
    return joinSegments(this.#walk(path, "realpath", true, "error").segments);
  }

  symlink(target: string, path: string): void {
    checkPathString(target, "symlink");
    const at = this.#walk(path, "symlink", false, "last");
    if (at.found !== undefined) throw vfsError("EEXIST", "symlink", path);
    this.#reserve(Buffer.byteLength(target), "symlink", path);
    const now = Date.now();
    const link: MemLink = {
      type: "symlink",
      ino: this.#nextIno++,
      mode: 0o777,
      target,
      ...times(now),
    };
    try {
      this.#link(at, link, "symlink", path);
    } catch (error) {
      this.#usedBytes -= Buffer.byteLength(target);
      throw error;
    }
  }

  readlink(path: string): string {
    const node = this.#get(path, "readlink", false);
    if (node.type !== "symlink") throw vfsError("EINVAL", "readlink", path, "not a symbolic link");
    return node.target;
  }

  truncate(path: string, length = 0): void {
    checkLength("truncate", path, length);
    const node = this.#get(path, "truncate", true);
    if (node.type !== "file") throw vfsError("EISDIR", "truncate", path);
    this.#resize(node, length, "truncate", path);
  }

  override readFile(path: string): Uint8Array {
    const node = this.#get(path, "open", true);
    if (node.type !== "file") throw vfsError("EISDIR", "read", path);
    node.atimeMs = Date.now();
    return node.data.slice(0, node.size);
  }

  override writeFile(
    path: string,
    data: Uint8Array | string,
    options: WriteFileOptions = {},
  ): void {
    const bytes = toBytes(data);
    const file = this.#openFile(path, true, options.exclusive ?? false, options.mode);
    // Refuse before truncating, so a write over quota leaves the old content in place.
    const grows = bytes.byteLength - (options.append ? 0 : file.size);
    if (grows > 0 && this.#usedBytes + grows > this.maxBytes) {
      throw vfsError("ENOSPC", "write", path, `memoryFs holds at most ${this.maxBytes} bytes`);
    }
    const start = options.append ? file.size : 0;
    if (!options.append) this.#resize(file, 0, "write", path);
    this.#writeAt(file, bytes, 0, bytes.byteLength, start, path);
  }

  open(path: string, flags: OpenFlags, mode?: number): FileHandle {
    const m = parseFlags(flags, path);
    const file = this.#openFile(path, m.create, m.exclusive, mode);
    if (m.truncate) this.#resize(file, 0, "open", path);
    file.opened += 1;
    return new MemoryHandle(this, file, path, m.read, m.write, m.append);
  }

  // --- used by MemoryHandle ---

  /** @internal */
  readAt(
    file: MemFile,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): number {
    const n = Math.max(0, Math.min(length, file.size - position));
    if (n > 0) buffer.set(file.data.subarray(position, position + n), offset);
    file.atimeMs = Date.now();
    return n;
  }

  /** @internal */
  writeAt(
    file: MemFile,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
    path: string,
  ): number {
    return this.#writeAt(file, buffer, offset, length, position, path);
  }

  /** @internal */
  resize(file: MemFile, length: number, path: string): void {
    this.#resize(file, length, "ftruncate", path);
  }

  /** @internal */
  release(file: MemFile): void {
    file.opened -= 1;
    if (!file.linked && file.opened === 0) this.#free(file);
  }

  // --- internals ---

  #walk(path: string, syscall: string, follow: boolean, missing: MissingPolicy): Walked<MemNode> {
    return walk(this.#walker, fsSegments(path, syscall), { follow, missing, syscall, path });
  }

  #get(path: string, syscall: string, follow: boolean): MemNode {
    return this.#walk(path, syscall, follow, "error").found?.node as MemNode;
  }

  /** Finds or creates the file `open`/`writeFile` work on. */
  #openFile(path: string, create: boolean, exclusive: boolean, mode = 0o644): MemFile {
    const at = this.#walk(path, "open", true, create ? "last" : "error");
    const node = at.found?.node as MemNode | undefined;
    if (node !== undefined) {
      if (exclusive) throw vfsError("EEXIST", "open", path);
      if (node.type !== "file") throw vfsError("EISDIR", "open", path);
      return node;
    }
    const now = Date.now();
    const file: MemFile = {
      type: "file",
      ino: this.#nextIno++,
      mode: mode & 0o7777,
      data: new Uint8Array(0),
      size: 0,
      opened: 0,
      linked: true,
      ...times(now),
    };
    this.#link(at, file, "open", path);
    return file;
  }

  #newDir(mode: number): MemDir {
    return {
      type: "dir",
      ino: this.#nextIno++,
      mode: mode & 0o7777,
      children: new Map(),
      ...times(Date.now()),
    };
  }

  /** Adds a new node under the walked parent, counting it against `maxFiles`. */
  #link(at: Walked<MemNode>, node: MemNode, syscall: string, path: string): void {
    if (this.#usedFiles + 1 > this.maxFiles) {
      throw vfsError("ENOSPC", syscall, path, `memoryFs holds at most ${this.maxFiles} entries`);
    }
    this.#usedFiles += 1;
    const parent = at.parent as MemDir;
    parent.children.set(at.name as string, node);
    touch(parent, Date.now());
  }

  #unlink(parent: MemDir, name: string): void {
    const node = parent.children.get(name) as MemNode;
    parent.children.delete(name);
    touch(parent, Date.now());
    if (node.type === "file") {
      node.linked = false;
      if (node.opened > 0) return;
    }
    this.#free(node);
  }

  #free(node: MemNode): void {
    this.#usedFiles -= 1;
    if (node.type === "file") {
      this.#usedBytes -= node.size;
      node.data = new Uint8Array(0);
      node.size = 0;
    } else if (node.type === "symlink") {
      this.#usedBytes -= Buffer.byteLength(node.target);
    }
  }

  #reserve(bytes: number, syscall: string, path: string): void {
    if (this.#usedBytes + bytes > this.maxBytes) {
      throw vfsError("ENOSPC", syscall, path, `memoryFs holds at most ${this.maxBytes} bytes`);
    }
    this.#usedBytes += bytes;
  }

  #resize(file: MemFile, length: number, syscall: string, path: string): void {
    if (length > file.size) {
      this.#reserve(length - file.size, syscall, path);
      file.data = growBuffer(file.data, file.size, length, this.maxBytes);
    } else {
      this.#usedBytes -= file.size - length;
    }
    file.size = length;
    const now = Date.now();
    file.mtimeMs = now;
    file.ctimeMs = now;
  }

  #writeAt(
    file: MemFile,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
    path: string,
  ): number {
    const end = position + length;
    if (end > file.size) this.#resize(file, end, "write", path);
    file.data.set(buffer.subarray(offset, offset + length), position);
    const now = Date.now();
    file.mtimeMs = now;
    file.ctimeMs = now;
    return length;
  }
}

class MemoryHandle implements FileHandle {
  #closed = false;
  #position = 0;

  constructor(
    private readonly fs: MemoryFs,
    private readonly file: MemFile,
    private readonly path: string,
    private readonly canRead: boolean,
    private readonly canWrite: boolean,
    private readonly append: boolean,
  ) {}

  read(buffer: Uint8Array, offset: number, length: number, position: number | null): number {
    this.#check("read", this.canRead);
    checkRange("read", this.path, buffer, offset, length, position);
    const n = this.fs.readAt(this.file, buffer, offset, length, position ?? this.#position);
    if (position === null) this.#position += n;
    return n;
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number | null): number {
    this.#check("write", this.canWrite);
    checkRange("write", this.path, buffer, offset, length, position);
    const at = this.append ? this.file.size : (position ?? this.#position);
    const n = this.fs.writeAt(this.file, buffer, offset, length, at, this.path);
    if (position === null || this.append) this.#position = at + n;
    return n;
  }

  stat(): Stats {
    this.#check("fstat", true);
    return toStats(this.file);
  }

  truncate(length: number): void {
    this.#check("ftruncate", this.canWrite);
    checkLength("ftruncate", this.path, length);
    this.fs.resize(this.file, length, this.path);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.fs.release(this.file);
  }

  #check(syscall: string, allowed: boolean): void {
    if (this.#closed || !allowed) throw vfsError("EBADF", syscall, this.path);
  }
}

function times(now: number): Times {
  return { atimeMs: now, mtimeMs: now, ctimeMs: now, birthtimeMs: now };
}

function touch(dir: MemDir, now: number): void {
  dir.mtimeMs = now;
  dir.ctimeMs = now;
}

function toStats(node: MemNode): Stats {
  const size =
    node.type === "file" ? node.size : node.type === "symlink" ? Buffer.byteLength(node.target) : 0;
  const nlink = node.type === "dir" ? 2 : node.type === "file" && !node.linked ? 0 : 1;
  return {
    type: node.type,
    size,
    mode: node.mode,
    mtimeMs: node.mtimeMs,
    atimeMs: node.atimeMs,
    ctimeMs: node.ctimeMs,
    birthtimeMs: node.birthtimeMs,
    ino: node.ino,
    nlink,
  };
}
