import { VfsError } from "./errors.js";
import { vfsError } from "./fail.js";
import { writeFileFlags } from "./flags.js";
import { checkPathString, childPath, joinSegments, parsePath } from "./path.js";
import type {
  DirEntry,
  FileHandle,
  FileSystem,
  FileSystemKind,
  MkdirOptions,
  OpenFlags,
  RmOptions,
  Stats,
  WriteFileOptions,
} from "./types.js";

const encoder = new TextEncoder();

/** UTF-8 bytes of a string; a Uint8Array (or any view) as bytes. */
export function toBytes(data: Uint8Array | string): Uint8Array {
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  throw new TypeError("data must be a Uint8Array or a string");
}

/** Checks `(offset, length, position)` against a buffer the way `read`/`write` need. */
export function checkRange(
  syscall: string,
  path: string,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number | null,
): void {
  const ok =
    buffer instanceof Uint8Array &&
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(length) &&
    offset >= 0 &&
    length >= 0 &&
    offset + length <= buffer.byteLength &&
    (position === null || (Number.isSafeInteger(position) && position >= 0));
  if (!ok) throw vfsError("EINVAL", syscall, path, "offset, length or position out of range");
}

/** Checks a length for `truncate`. */
export function checkLength(syscall: string, path: string, length: number): void {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw vfsError("EINVAL", syscall, path, "length must be a non-negative integer");
  }
}

/** Validates and splits a path given to a filesystem directly (a mount passes normalised ones). */
export function fsSegments(path: string, syscall: string): readonly string[] {
  return parsePath(checkPathString(path, syscall), syscall).segments;
}

/**
 * The operations every filesystem derives the same way from its primitives: the `readdir`
 * overloads, `exists`, `rm`, recursive `mkdir`, and `readFile`/`writeFile` through `open` (a
 * filesystem with a faster path overrides them).
 */
export abstract class BaseFs implements FileSystem {
  abstract readonly kind: FileSystemKind;
  abstract stat(path: string): Stats;
  abstract lstat(path: string): Stats;
  protected abstract readdirEntries(path: string): DirEntry[];
  /** Creates one directory; its parent must exist. */
  protected abstract mkdirOne(path: string, mode: number): void;
  abstract unlink(path: string): void;
  abstract rmdir(path: string): void;
  abstract rename(from: string, to: string): void;
  abstract realpath(path: string): string;
  abstract symlink(target: string, path: string): void;
  abstract readlink(path: string): string;
  abstract open(path: string, flags: OpenFlags, mode?: number): FileHandle;

  readdir(path: string): string[];
  readdir(path: string, options: { withFileTypes: true }): DirEntry[];
  readdir(path: string, options?: { withFileTypes?: boolean }): string[] | DirEntry[];
  readdir(path: string, options?: { withFileTypes?: boolean }): string[] | DirEntry[] {
    const entries = this.readdirEntries(path);
    return options?.withFileTypes ? entries : entries.map((entry) => entry.name);
  }

  exists(path: string): boolean {
    try {
      this.stat(path);
      return true;
    } catch (error) {
      if (error instanceof VfsError) return false;
      throw error;
    }
  }

  mkdir(path: string, options: MkdirOptions = {}): void {
    const mode = options.mode ?? 0o755;
    if (!options.recursive) {
      this.mkdirOne(path, mode);
      return;
    }
    const segments = fsSegments(path, "mkdir");
    for (let i = 1; i <= segments.length; i++) {
      const prefix = joinSegments(segments.slice(0, i));
      let existing: Stats | undefined;
      try {
        existing = this.stat(prefix);
      } catch (error) {
        if (!(error instanceof VfsError) || error.errno !== "ENOENT") throw error;
      }
      if (existing === undefined) {
        this.mkdirOne(prefix, mode);
      } else if (existing.type !== "dir") {
        throw vfsError(i === segments.length ? "EEXIST" : "ENOTDIR", "mkdir", path);
      }
    }
  }

  rm(path: string, options: RmOptions = {}): void {
    let stats: Stats;
    try {
      stats = this.lstat(path);
    } catch (error) {
      if (options.force && error instanceof VfsError && error.errno === "ENOENT") return;
      throw error;
    }
    if (stats.type !== "dir") {
      this.unlink(path);
      return;
    }
    if (!options.recursive) {
      throw vfsError("EISDIR", "rm", path, "pass { recursive: true } to remove a directory");
    }
    const base = joinSegments(fsSegments(path, "rm"));
    for (const name of this.readdir(path)) {
      this.rm(childPath(base, name), { recursive: true });
    }
    this.rmdir(path);
  }

  readFile(path: string): Uint8Array {
    const handle = this.open(path, "r");
    try {
      const chunks: Uint8Array[] = [];
      let total = 0;
      const size = handle.stat().size;
      let chunk = new Uint8Array(Math.max(size, 64 * 1024));
      for (;;) {
        const n = handle.read(chunk, 0, chunk.byteLength, total);
        if (n === 0) break;
        chunks.push(chunk.subarray(0, n));
        total += n;
        chunk = new Uint8Array(64 * 1024);
      }
      return concat(chunks, total);
    } finally {
      handle.close();
    }
  }

  writeFile(path: string, data: Uint8Array | string, options?: WriteFileOptions): void {
    const bytes = toBytes(data);
    const handle = this.open(path, writeFileFlags(options), options?.mode);
    try {
      let done = 0;
      while (done < bytes.byteLength) {
        done += handle.write(bytes, done, bytes.byteLength - done, null);
      }
    } finally {
      handle.close();
    }
  }

  abstract truncate(path: string, length?: number): void;
}

/**
 * A buffer holding `data[0, size)` with room for `length` bytes and zeros in `[size, length)`:
 * `data` itself when it is big enough, else a copy with doubled capacity (at most `maxCapacity`,
 * never less than `length`).
 */
export function growBuffer(
  data: Uint8Array,
  size: number,
  length: number,
  maxCapacity = Infinity,
): Uint8Array {
  if (length <= size) return data;
  if (length <= data.byteLength) {
    data.fill(0, size, length);
    return data;
  }
  const grown = new Uint8Array(Math.max(length, Math.min(data.byteLength * 2, maxCapacity)));
  grown.set(data.subarray(0, size));
  return grown;
}

export function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]?.byteLength === total) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
