import { VfsConfigError } from "./errors.js";
import { vfsError } from "./fail.js";
import { parseFlags } from "./flags.js";
import type {
  DirEntry,
  FileHandle,
  FileSystem,
  MkdirOptions,
  OpenFlags,
  RmOptions,
  Stats,
  WriteFileOptions,
} from "./types.js";

/** Narrows any filesystem to reading: every write is `EROFS`, reads go to `inner`. */
export function readOnly(inner: FileSystem): ReadOnlyFs {
  if (!isFileSystem(inner)) throw new VfsConfigError("readOnly: the argument is not a filesystem");
  return inner instanceof ReadOnlyFs ? inner : new ReadOnlyFs(inner);
}

/** Does `value` look like a {@link FileSystem} (one of this package's factories' results)? */
export function isFileSystem(value: unknown): value is FileSystem {
  const fs = value as Partial<FileSystem> | null;
  return (
    typeof fs === "object" &&
    fs !== null &&
    typeof fs.kind === "string" &&
    typeof fs.stat === "function" &&
    typeof fs.open === "function"
  );
}

/** The object `readOnly()` returns. */
export class ReadOnlyFs implements FileSystem {
  readonly kind = "readOnly" as const;
  constructor(readonly inner: FileSystem) {}

  stat(path: string): Stats {
    return this.inner.stat(path);
  }
  lstat(path: string): Stats {
    return this.inner.lstat(path);
  }
  readdir(path: string): string[];
  readdir(path: string, options: { withFileTypes: true }): DirEntry[];
  readdir(path: string, options?: { withFileTypes?: boolean }): string[] | DirEntry[];
  readdir(path: string, options?: { withFileTypes?: boolean }): string[] | DirEntry[] {
    return this.inner.readdir(path, options);
  }
  readFile(path: string): Uint8Array {
    return this.inner.readFile(path);
  }
  exists(path: string): boolean {
    return this.inner.exists(path);
  }
  realpath(path: string): string {
    return this.inner.realpath(path);
  }
  readlink(path: string): string {
    return this.inner.readlink(path);
  }
  open(path: string, flags: OpenFlags, mode?: number): FileHandle {
    if (parseFlags(flags, path).write) throw vfsError("EROFS", "open", path);
    return this.inner.open(path, flags, mode);
  }

  writeFile(path: string, _data: Uint8Array | string, _options?: WriteFileOptions): void {
    throw vfsError("EROFS", "open", path);
  }
  /** An existing directory answers `EEXIST` (or nothing, with `recursive`), as on a read-only mount. */
  mkdir(path: string, options?: MkdirOptions): void {
    if (this.inner.exists(path)) {
      if (options?.recursive && this.inner.stat(path).type === "dir") return;
      throw vfsError("EEXIST", "mkdir", path);
    }
    throw vfsError("EROFS", "mkdir", path);
  }
  unlink(path: string): void {
    throw vfsError("EROFS", "unlink", path);
  }
  rmdir(path: string): void {
    throw vfsError("EROFS", "rmdir", path);
  }
  rm(path: string, _options?: RmOptions): void {
    throw vfsError("EROFS", "rm", path);
  }
  rename(from: string, to: string): void {
    throw vfsError("EROFS", "rename", from, undefined, to);
  }
  symlink(_target: string, path: string): void {
    throw vfsError("EROFS", "symlink", path);
  }
  truncate(path: string, _length?: number): void {
    throw vfsError("EROFS", "truncate", path);
  }
}
