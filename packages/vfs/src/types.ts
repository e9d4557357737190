/** What a directory entry is. Special files (devices, FIFOs, sockets) are never shown. */
export type FileType = "file" | "dir" | "symlink";

/** Plain-data metadata of a file, directory or symbolic link. Times are milliseconds since the epoch. */
export interface Stats {
  readonly type: FileType;
  /** Bytes for files, target length for symlinks; directories report what their filesystem does. */
  readonly size: number;
  /** Permission bits only (`0o755`); write and execute bits are cleared where the grant lacks them. */
  readonly mode: number;
  readonly mtimeMs: number;
  readonly atimeMs: number;
  readonly ctimeMs: number;
  readonly birthtimeMs: number;
  readonly ino: number;
  readonly nlink: number;
}

/** One entry of `readdir(path, { withFileTypes: true })`. */
export interface DirEntry {
  readonly name: string;
  readonly type: FileType;
}

export interface WriteFileOptions {
  /** Append instead of replacing the content. */
  readonly append?: boolean;
  /** Fail with `EEXIST` when the file exists (`O_EXCL`). */
  readonly exclusive?: boolean;
  /** Permission bits of a file this call creates (default `0o644`). */
  readonly mode?: number;
}

export interface MkdirOptions {
  /** Create missing parents; an existing directory is not an error. */
  readonly recursive?: boolean;
  /** Permission bits of directories this call creates (default `0o755`). */
  readonly mode?: number;
}

export interface RmOptions {
  /** Remove directories and their contents. */
  readonly recursive?: boolean;
  /** A missing path is not an error. */
  readonly force?: boolean;
}

/**
 * Node's string open flags: `r` read, `r+` read/write, `w` create/truncate, `a` append; `x`
 * fails when the file exists; a trailing `+` adds the other direction.
 */
export type OpenFlags =
  "r" | "r+" | "w" | "wx" | "xw" | "w+" | "wx+" | "xw+" | "a" | "ax" | "xa" | "a+" | "ax+" | "xa+";

/** An open file of a {@link FileSystem}. Positions are byte offsets; `null` means the handle's own position. */
export interface FileHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  stat(): Stats;
  truncate(length: number): void;
  /** Idempotent. */
  close(): void;
}

/** The `kind` tag of each filesystem factory's result. */
export type FileSystemKind = "hostDir" | "memory" | "overlay" | "virtual" | "readOnly";

/**
 * The path operations shared by a mountable {@link FileSystem} and by a {@link Vfs}. Paths are
 * POSIX strings; every failure throws a `VfsError`.
 */
export interface PathOps {
  stat(path: string): Stats;
  /** Like `stat`, but describes a symbolic link itself. */
  lstat(path: string): Stats;
  readdir(path: string): string[];
  readdir(path: string, options: { withFileTypes: true }): DirEntry[];
  readdir(path: string, options?: { withFileTypes?: boolean }): string[] | DirEntry[];
  /** A fresh copy of the content. */
  readFile(path: string): Uint8Array;
  /** Strings are written as UTF-8. */
  writeFile(path: string, data: Uint8Array | string, options?: WriteFileOptions): void;
  mkdir(path: string, options?: MkdirOptions): void;
  unlink(path: string): void;
  rmdir(path: string): void;
  rm(path: string, options?: RmOptions): void;
  rename(from: string, to: string): void;
  /** `false` for anything that cannot be stat'ed, including paths the caller may not see. */
  exists(path: string): boolean;
  /** The path with every symbolic link resolved. */
  realpath(path: string): string;
  /** Creates `path` as a symbolic link to `target`. */
  symlink(target: string, path: string): void;
  readlink(path: string): string;
  truncate(path: string, length?: number): void;
}

/**
 * A mountable filesystem. Its paths are absolute within itself (`/` is its root); `..` never
 * climbs above that root and symbolic links never leave it.
 */
export interface FileSystem extends PathOps {
  readonly kind: FileSystemKind;
  open(path: string, flags: OpenFlags, mode?: number): FileHandle;
}

/** Permissions of a host directory grant. */
export interface HostDirPerms {
  readonly read?: boolean;
  readonly write?: boolean;
  /** Recorded for the runtime; without it created files get no execute bits and `stat` hides them. */
  readonly execute?: boolean;
}

/**
 * What a sandbox sees: a mount table over sandbox paths (relative ones resolve against `cwd`),
 * with file descriptors held here and capped.
 */
export interface Vfs extends PathOps, Disposable {
  readonly kind: "vfs";
  /** The working directory relative paths resolve against. */
  readonly cwd: string;
  /** Mount points, longest first. */
  readonly mountPoints: readonly string[];
  /** How many descriptors are open. */
  readonly openFiles: number;
  /** Changes `cwd`; the path must be a directory. */
  chdir(path: string): void;
  /** Opens a file and returns a descriptor (lowest free number, from 3). */
  open(path: string, flags?: OpenFlags, mode?: number): number;
  read(
    fd: number,
    buffer: Uint8Array,
    offset?: number,
    length?: number,
    position?: number | null,
  ): number;
  write(
    fd: number,
    buffer: Uint8Array,
    offset?: number,
    length?: number,
    position?: number | null,
  ): number;
  fstat(fd: number): Stats;
  ftruncate(fd: number, length?: number): void;
  close(fd: number): void;
  /** Closes every descriptor; any later call throws `VfsDisposedError`. Idempotent. */
  dispose(): void;
}
