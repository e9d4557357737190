import { toBytes } from "./base.js";
import { VfsConfigError, VfsDisposedError, VfsError } from "./errors.js";
import { vfsError } from "./fail.js";
import { parseFlags } from "./flags.js";
import {
  byName,
  checkPathString,
  isWithin,
  joinSegments,
  parseSandboxPath,
  resolveSandboxPath,
} from "./path.js";
import { isFileSystem } from "./read-only.js";
import type {
  DirEntry,
  FileHandle,
  FileSystem,
  MkdirOptions,
  OpenFlags,
  RmOptions,
  Stats,
  Vfs,
  WriteFileOptions,
} from "./types.js";
import { virtualFs } from "./virtual-fs.js";

export interface VfsOptions {
  /** Sandbox path → filesystem. Mount points are absolute and normalised (`/project`, not `/project/`). */
  readonly mounts: Readonly<Record<string, FileSystem>>;
  /** Where relative paths start. Default `/`. */
  readonly cwd?: string;
  /** Open descriptors allowed at once; one more is `EMFILE`. Default 256. */
  readonly maxOpenFiles?: number;
}

/** Defaults of {@link createVfs}. */
export const VFS_DEFAULTS = Object.freeze({ maxOpenFiles: 256 });

const FIRST_FD = 3;

interface Mount {
  readonly point: string;
  readonly segments: readonly string[];
  readonly fs: FileSystem;
}

/** A sandbox path routed to its filesystem. */
interface Routed {
  readonly mount: Mount;
  /** The path inside the mount's filesystem. */
  readonly fsPath: string;
  /** The normalised sandbox path (what errors report). */
  readonly path: string;
  readonly trailingSlash: boolean;
}

/**
 * A mount table. Each sandbox path is made absolute against `cwd`, normalised lexically (so `..`
 * never leaves a mount for a sibling's host directory), then routed to the longest mount point
 * that is a component-wise, byte-exact prefix. Paths under no mount are `ENOENT`, except the
 * directories leading to mount points (`/` and `/home` for `/home/u/project`), which read as
 * empty read-only directories listing the next component. `rename` across mounts is `EXDEV`;
 * removing or renaming a mount point (or a directory holding one) is `EBUSY`. Symbolic links
 * resolve inside their own mount; an absolute link target must be in the same mount (`EACCES`).
 */
export function createVfs(options: VfsOptions): Vfs {
  const mounts = options?.mounts;
  if (typeof mounts !== "object" || mounts === null) {
    throw new VfsConfigError("createVfs: pass { mounts: { '/path': filesystem, … } }");
  }
  const table: Mount[] = [];
  for (const [point, fs] of Object.entries(mounts)) {
    let normal: string;
    try {
      normal = resolveSandboxPath(point, "/", "mount");
    } catch (error) {
      throw new VfsConfigError(
        `createVfs: mount point ${JSON.stringify(point)} is not a valid path`,
        { cause: error },
      );
    }
    if (!point.startsWith("/") || normal !== point) {
      throw new VfsConfigError(
        `createVfs: mount point ${JSON.stringify(point)} must be absolute and normalised (${normal})`,
      );
    }
    if (!isFileSystem(fs))
      throw new VfsConfigError(`createVfs: mount ${point} is not a filesystem`);
    table.push({ point, segments: point === "/" ? [] : point.slice(1).split("/"), fs });
  }
  const maxOpenFiles = options.maxOpenFiles ?? VFS_DEFAULTS.maxOpenFiles;
  if (!Number.isSafeInteger(maxOpenFiles) || maxOpenFiles < 1) {
    throw new VfsConfigError(
      `createVfs: maxOpenFiles must be a positive integer, got ${maxOpenFiles}`,
    );
  }
  const cwd = options.cwd ?? "/";
  if (typeof cwd !== "string" || !cwd.startsWith("/") || cwd.includes("\0")) {
    throw new VfsConfigError(
      `createVfs: cwd must be an absolute sandbox path, got ${JSON.stringify(cwd)}`,
    );
  }
  return new MountTable(table, resolveSandboxPath(cwd), maxOpenFiles);
}

class MountTable implements Vfs {
  readonly kind = "vfs" as const;
  readonly mountPoints: readonly string[];
  readonly #mounts: readonly Mount[];
  /** Where paths under no mount go. */
  readonly #outside: Mount;
  /** Directories leading to mount points → the next component of each. */
  readonly #children = new Map<string, Set<string>>();
  readonly #fds = new Map<number, { readonly handle: FileHandle; readonly path: string }>();
  readonly #maxOpenFiles: number;
  #cwd: string;
  #closed = false;

  constructor(mounts: Mount[], cwd: string, maxOpenFiles: number) {
    mounts.sort((a, b) => b.segments.length - a.segments.length || (a.point < b.point ? -1 : 1));
    for (const mount of mounts) {
      for (let i = 0; i < mount.segments.length; i++) {
        const dir = joinSegments(mount.segments.slice(0, i));
        let names = this.#children.get(dir);
        if (names === undefined) this.#children.set(dir, (names = new Set()));
        names.add(mount.segments[i] as string);
      }
    }
    this.#mounts = mounts;
    this.mountPoints = Object.freeze(mounts.map((mount) => mount.point));
    // Paths under no mount: the directories leading to mount points read as empty, read-only
    // directories (readdir adds the next components); everything else is ENOENT.
    const ancestors = virtualFs({
      stat: (path) => (this.#children.has(path) ? { type: "dir", mode: 0o555 } : null),
      list: () => [],
      read: () => new Uint8Array(0),
    });
    this.#outside = { point: "/", segments: [], fs: ancestors };
    this.#cwd = cwd;
    this.#maxOpenFiles = maxOpenFiles;
  }

  get cwd(): string {
    return this.#cwd;
  }

  get openFiles(): number {
    return this.#fds.size;
  }

  chdir(path: string): void {
    const r = this.#route(path, "chdir");
    const stats = this.#call("chdir", r, () => r.mount.fs.stat(r.fsPath));
    if (stats.type !== "dir") throw vfsError("ENOTDIR", "chdir", r.path);
    this.#cwd = r.path;
  }

  stat(path: string): Stats {
    const r = this.#route(path, "stat");
    return this.#call("stat", r, () => this.#slash(r, r.mount.fs.stat(r.fsPath)));
  }

  lstat(path: string): Stats {
    const r = this.#route(path, "lstat");
    // A trailing slash makes the path name what a link points to.
    return this.#call("lstat", r, () =>
      r.trailingSlash ? this.#slash(r, r.mount.fs.stat(r.fsPath)) : r.mount.fs.lstat(r.fsPath),
    );
  }

  readdir(path: string): string[];
  readdir(path: string, options: { withFileTypes: true }): DirEntry[];
  readdir(path: string, options?: { withFileTypes?: boolean }): string[] | DirEntry[];
  readdir(path: string, options?: { withFileTypes?: boolean }): string[] | DirEntry[] {
    const r = this.#route(path, "scandir");
    const entries = this.#call("scandir", r, () =>
      r.mount.fs.readdir(r.fsPath, { withFileTypes: true }),
    );
    const extra = this.#children.get(r.path);
    if (extra !== undefined) {
      const have = new Set(entries.map((entry) => entry.name));
      for (const name of extra) if (!have.has(name)) entries.push({ name, type: "dir" });
      entries.sort(byName);
    }
    return options?.withFileTypes ? entries : entries.map((entry) => entry.name);
  }

  readFile(path: string): Uint8Array {
    const r = this.#route(path, "open");
    return this.#call("open", r, () => {
      this.#fileOnly(r, "open", false);
      return r.mount.fs.readFile(r.fsPath);
    });
  }

  writeFile(path: string, data: Uint8Array | string, options?: WriteFileOptions): void {
    const r = this.#route(path, "open");
    const bytes = toBytes(data);
    this.#call("open", r, () => {
      this.#fileOnly(r, "open", true);
      r.mount.fs.writeFile(r.fsPath, bytes, options);
    });
  }

  mkdir(path: string, options?: MkdirOptions): void {
    const r = this.#route(path, "mkdir");
    this.#call("mkdir", r, () => r.mount.fs.mkdir(r.fsPath, options));
  }

  unlink(path: string): void {
    const r = this.#route(path, "unlink");
    this.#call("unlink", r, () => {
      this.#fileOnly(r, "unlink", false);
      r.mount.fs.unlink(r.fsPath);
    });
  }

  rmdir(path: string): void {
    const r = this.#route(path, "rmdir");
    this.#notBusy(r, "rmdir");
    this.#call("rmdir", r, () => r.mount.fs.rmdir(r.fsPath));
  }

  rm(path: string, options?: RmOptions): void {
    const r = this.#route(path, "rm");
    this.#notBusy(r, "rm");
    this.#call("rm", r, () => {
      if (r.trailingSlash) this.#slash(r, r.mount.fs.stat(r.fsPath));
      r.mount.fs.rm(r.fsPath, options);
    });
  }

  rename(from: string, to: string): void {
    const a = this.#route(from, "rename");
    const b = this.#route(to, "rename");
    this.#notBusy(a, "rename", b.path);
    this.#notBusy(b, "rename", b.path);
    if (a.mount !== b.mount) {
      throw vfsError(
        "EXDEV",
        "rename",
        a.path,
        "source and destination are on different mounts",
        b.path,
      );
    }
    this.#call(
      "rename",
      a,
      () => {
        if (a.trailingSlash) this.#slash(a, a.mount.fs.stat(a.fsPath));
        a.mount.fs.rename(a.fsPath, b.fsPath);
      },
      b.path,
    );
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

  realpath(path: string): string {
    const r = this.#route(path, "realpath");
    return this.#call("realpath", r, () => {
      if (r.trailingSlash) this.#slash(r, r.mount.fs.stat(r.fsPath));
      return toSandbox(r.mount, r.mount.fs.realpath(r.fsPath));
    });
  }

  symlink(target: string, path: string): void {
    const r = this.#route(path, "symlink");
    checkPathString(target, "symlink");
    let fsTarget = target;
    if (target.startsWith("/")) {
      const t = this.#route(target, "symlink");
      if (t.mount !== r.mount) {
        throw vfsError(
          "EACCES",
          "symlink",
          r.path,
          "a link target must be in the same mount",
          t.path,
        );
      }
      fsTarget = t.fsPath;
    }
    this.#call(
      "symlink",
      r,
      () => {
        if (r.trailingSlash) throw vfsError("ENOENT", "symlink", r.fsPath);
        r.mount.fs.symlink(fsTarget, r.fsPath);
      },
      target,
    );
  }

  readlink(path: string): string {
    const r = this.#route(path, "readlink");
    return this.#call("readlink", r, () => {
      this.#fileOnly(r, "readlink", false);
      const target = r.mount.fs.readlink(r.fsPath);
      return target.startsWith("/") ? toSandbox(r.mount, target) : target;
    });
  }

  truncate(path: string, length?: number): void {
    const r = this.#route(path, "truncate");
    this.#call("truncate", r, () => {
      this.#fileOnly(r, "truncate", false);
      r.mount.fs.truncate(r.fsPath, length);
    });
  }

  open(path: string, flags: OpenFlags = "r", mode?: number): number {
    const r = this.#route(path, "open");
    if (this.#fds.size >= this.#maxOpenFiles) {
      throw vfsError("EMFILE", "open", r.path, `at most ${this.#maxOpenFiles} files may be open`);
    }
    const handle = this.#call("open", r, () => {
      this.#fileOnly(r, "open", parseFlags(flags, r.fsPath).create);
      return r.mount.fs.open(r.fsPath, flags, mode);
    });
    let fd = FIRST_FD;
    while (this.#fds.has(fd)) fd++;
    this.#fds.set(fd, { handle, path: r.path });
    return fd;
  }

  read(
    fd: number,
    buffer: Uint8Array,
    offset = 0,
    length?: number,
    position: number | null = null,
  ): number {
    return this.#io("read", fd, buffer, offset, length, position);
  }

  write(
    fd: number,
    buffer: Uint8Array,
    offset = 0,
    length?: number,
    position: number | null = null,
  ): number {
    return this.#io("write", fd, buffer, offset, length, position);
  }

  fstat(fd: number): Stats {
    const { handle, path } = this.#fd(fd, "fstat");
    return this.#call("fstat", path, () => handle.stat());
  }

  ftruncate(fd: number, length = 0): void {
    const { handle, path } = this.#fd(fd, "ftruncate");
    this.#call("ftruncate", path, () => handle.truncate(length));
  }

  close(fd: number): void {
    const { handle, path } = this.#fd(fd, "close");
    this.#fds.delete(fd);
    this.#call("close", path, () => handle.close());
  }

  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const { handle } of this.#fds.values()) {
      try {
        handle.close();
      } catch {
        // Closing everything matters more than one failure.
      }
    }
    this.#fds.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // --- routing ---

  #live(): void {
    if (this.#closed) throw new VfsDisposedError();
  }

  #route(input: string, syscall: string): Routed {
    this.#live();
    const parsed = parseSandboxPath(input, this.#cwd, syscall);
    const { segments } = parsed;
    const path = joinSegments(segments);
    let mount = this.#mounts.find((m) => isWithin(segments, m.segments)) ?? this.#outside;
    let fsPath = joinSegments(segments.slice(mount.segments.length));
    if (mount !== this.#outside && fsPath !== "/" && this.#children.has(path)) {
      // A directory leading to a nested mount that its own mount does not have (`/a/b` for
      // mounts `/a` and `/a/b/c`): it is shown like the ones under no mount.
      try {
        mount.fs.lstat(fsPath);
      } catch {
        mount = this.#outside;
        fsPath = path;
      }
    }
    return { mount, fsPath, path, trailingSlash: parsed.trailingSlash };
  }

  /** Runs a filesystem call, reporting any failure against the sandbox path(s). */
  #call<T>(syscall: string, r: Routed | string, fn: () => T, dest?: string): T {
    try {
      return fn();
    } catch (error) {
      throw toSandboxError(error, syscall, typeof r === "string" ? r : r.path, dest);
    }
  }

  /** `read`/`write` on a descriptor; `length` defaults to the rest of the buffer. */
  #io(
    op: "read" | "write",
    fd: number,
    buffer: Uint8Array,
    offset: number,
    length: number | undefined,
    position: number | null,
  ): number {
    const { handle, path } = this.#fd(fd, op);
    const n = length ?? (buffer?.byteLength ?? 0) - offset;
    return this.#call(op, path, () => handle[op](buffer, offset, n, position));
  }

  #fd(fd: number, syscall: string): { readonly handle: FileHandle; readonly path: string } {
    this.#live();
    const entry = this.#fds.get(fd);
    if (entry === undefined) throw vfsError("EBADF", syscall, String(fd));
    return entry;
  }

  /** A trailing slash demands a directory: `stats` (of the followed path) must be one. */
  #slash(r: Routed, stats: Stats): Stats {
    if (r.trailingSlash && stats.type !== "dir") throw vfsError("ENOTDIR", "stat", r.fsPath);
    return stats;
  }

  /** For operations on files: `dir/` is `EISDIR` if it is a directory, `ENOTDIR` if not. */
  #fileOnly(r: Routed, syscall: string, creating: boolean): void {
    if (!r.trailingSlash) return;
    let stats: Stats;
    try {
      stats = r.mount.fs.stat(r.fsPath);
    } catch (error) {
      if (error instanceof VfsError && error.errno === "ENOENT") {
        throw vfsError(creating ? "EISDIR" : "ENOENT", syscall, r.fsPath);
      }
      throw error;
    }
    throw vfsError(stats.type === "dir" ? "EISDIR" : "ENOTDIR", syscall, r.fsPath);
  }

  /** A mount point, or a directory with one below it, cannot be removed or renamed. */
  #notBusy(r: Routed, syscall: string, dest?: string): void {
    const segments = r.path === "/" ? [] : r.path.slice(1).split("/");
    if (this.#mounts.some((m) => isWithin(m.segments, segments))) {
      throw vfsError("EBUSY", syscall, r.path, "a mount point is at or below this path", dest);
    }
  }
}

/** A path of `mount`'s filesystem as a sandbox path. */
function toSandbox(mount: Mount, fsPath: string): string {
  if (mount.point === "/") return fsPath;
  return fsPath === "/" ? mount.point : `${mount.point}${fsPath}`;
}

/** Any failure as a `VfsError` about sandbox paths; non-`VfsError`s become `EIO` without their message. */
function toSandboxError(error: unknown, syscall: string, path: string, dest?: string): VfsError {
  if (error instanceof VfsError) return error.withPaths(path, dest);
  return new VfsError("EIO", syscall, path, { dest, detail: "internal error" }, { cause: error });
}
