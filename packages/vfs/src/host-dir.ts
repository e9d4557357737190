import * as fs from "node:fs";
import * as nodePath from "node:path";
import { BaseFs, checkLength, fsSegments } from "./base.js";
import { VfsConfigError, VfsError } from "./errors.js";
import { vfsError } from "./fail.js";
import { parseFlags } from "./flags.js";
import { HostHandle, fromHostError, host, hostStats, hostType, pseudoFsOf } from "./host-io.js";
import { byName, checkPathString, childPath, isWithin, joinSegments } from "./path.js";
import type { DirEntry, FileHandle, HostDirPerms, OpenFlags, Stats } from "./types.js";
import { walk, type Found, type MissingPolicy, type Walked, type Walker } from "./walk.js";

export interface HostDirOptions extends HostDirPerms {
  /**
   * Open regular files that have other hard links (`nlink > 1`). Off by default: another name
   * of the same file may live outside the directory, so writing here would write there.
   */
  readonly allowHardLinks?: boolean;
}

/** A host entry met during resolution: its host path and `lstat`. */
interface HostNode {
  readonly host: string;
  readonly st: fs.Stats;
}

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } =
  fs.constants;

/**
 * Binds a host directory. Every path is resolved here, one component at a time with `lstat`,
 * starting from the directory's real path; nothing is handed to the host unresolved:
 *
 * - `..` cannot climb above the root (lexically at the root; inside link targets it pops a real
 *   directory, and popping the root is `EACCES`); absolute paths start at the root;
 * - a symbolic link is followed only when its target stays inside (absolute host targets must
 *   lie under the root, relative ones may not climb out); otherwise `EACCES`. Links the guest
 *   creates are checked the same way before they are made (see `symlink`);
 * - crossing into a kernel pseudo-filesystem (`/proc`, `/sys`, …) is `EACCES`; so is any device,
 *   FIFO or socket (they are also left out of listings);
 * - files are opened with `O_NOFOLLOW | O_NONBLOCK`, then `fstat`ed: a file that is not the one
 *   resolved (same device and inode), not a regular file, or (unless `allowHardLinks`) has more
 *   than one hard link, is closed again and refused with `EACCES` before any byte moves. A file
 *   this call creates is checked through `/proc/self/fd` to lie under the root.
 *
 * Remaining window (TOCTOU): Node has no `openat2(RESOLVE_BENEATH)`, so operations are path
 * based. If *another host process* with write access to the directory swaps a checked directory
 * for a symbolic link between the check and the use, a path-based operation (`mkdir`, `unlink`,
 * `rmdir`, `rename`, `symlink`, `readdir`, `readlink`, `stat`, the creation of a new file) can
 * act outside; content is still never read or written through a swapped path (the inode check
 * above); a file created through a swapped path is found (`/proc/self/fd`), refused, and removed
 * again if it is still the empty file just made. The sandbox itself cannot race this: its calls
 * are synchronous, and it can create no link that points outside.
 */
export function hostDir(hostPath: string, options: HostDirOptions = {}): HostDir {
  if (process.platform === "win32") {
    throw new VfsConfigError("hostDir: needs a POSIX host (Linux or macOS)");
  }
  if (typeof hostPath !== "string" || hostPath === "" || hostPath.includes("\0")) {
    throw new VfsConfigError("hostDir: the host path must be a non-empty string without NUL bytes");
  }
  let root: string;
  try {
    root = fs.realpathSync(nodePath.resolve(hostPath));
  } catch (error) {
    throw new VfsConfigError(`hostDir: ${hostPath} does not exist or cannot be resolved`, {
      cause: error,
    });
  }
  if (!fs.statSync(root).isDirectory()) {
    throw new VfsConfigError(
      `hostDir: ${hostPath} is not a directory; grant its parent directory instead`,
    );
  }
  const pseudo = pseudoFsOf(root);
  if (pseudo !== undefined) {
    throw new VfsConfigError(
      `hostDir: ${hostPath} is on the kernel's ${pseudo} filesystem; it cannot be granted`,
    );
  }
  return new HostDir(root, {
    read: options.read === true,
    write: options.write === true,
    execute: options.execute === true,
    allowHardLinks: options.allowHardLinks === true,
  });
}

type Perms = Required<HostDirOptions>;

/** The object `hostDir()` returns. */
export class HostDir extends BaseFs {
  readonly kind = "hostDir" as const;
  readonly read: boolean;
  readonly write: boolean;
  readonly execute: boolean;
  readonly allowHardLinks: boolean;
  readonly #root: string;
  readonly #rootSegments: readonly string[];

  constructor(root: string, perms: Perms) {
    super();
    this.#root = root;
    this.#rootSegments = root.split("/").filter((s) => s !== "");
    this.read = perms.read;
    this.write = perms.write;
    this.execute = perms.execute;
    this.allowHardLinks = perms.allowHardLinks;
  }

  stat(path: string): Stats {
    return this.#stats(this.#found(path, "stat", true), "stat", path);
  }

  lstat(path: string): Stats {
    return this.#stats(this.#found(path, "lstat", false), "lstat", path);
  }

  protected readdirEntries(path: string): DirEntry[] {
    this.#need("read", "scandir", path);
    const dir = this.#found(path, "scandir", true);
    if (dir.type !== "dir") throw vfsError("ENOTDIR", "scandir", path);
    const entries: DirEntry[] = [];
    for (const dirent of host("scandir", path, () =>
      fs.readdirSync(dir.node.host, { withFileTypes: true }),
    )) {
      let type = hostType(dirent);
      if (
        type === undefined &&
        !dirent.isFIFO() &&
        !dirent.isSocket() &&
        !dirent.isBlockDevice() &&
        !dirent.isCharacterDevice()
      ) {
        // DT_UNKNOWN on some filesystems: ask lstat (an entry gone meanwhile is left out).
        try {
          const st = fs.lstatSync(`${dir.node.host}/${dirent.name}`, { throwIfNoEntry: false });
          type = st === undefined ? undefined : hostType(st);
        } catch {
          type = undefined;
        }
      }
      if (type !== undefined) entries.push({ name: dirent.name, type });
    }
    return entries.sort(byName);
  }

  protected mkdirOne(path: string, mode: number): void {
    this.#need("write", "mkdir", path);
    const at = this.#walk(path, "mkdir", false, "last");
    if (at.found !== undefined) throw vfsError("EEXIST", "mkdir", path);
    host("mkdir", path, () => fs.mkdirSync(this.#hostPath(at), mode & 0o7777));
  }

  unlink(path: string): void {
    this.#need("write", "unlink", path);
    const found = this.#found(path, "unlink", false);
    if (found.type === "dir") throw vfsError("EISDIR", "unlink", path);
    this.#refuseSpecial(found, "unlink", path);
    host("unlink", path, () => fs.unlinkSync(found.node.host));
  }

  rmdir(path: string): void {
    this.#need("write", "rmdir", path);
    const at = this.#walk(path, "rmdir", false, "error");
    if (at.found?.type !== "dir") throw vfsError("ENOTDIR", "rmdir", path);
    if (at.name === undefined) throw vfsError("EBUSY", "rmdir", path);
    host("rmdir", path, () => fs.rmdirSync(this.#hostPath(at)));
  }

  rename(from: string, to: string): void {
    this.#need("write", "rename", from, to);
    const src = this.#walk(from, "rename", false, "error");
    const dst = this.#walk(to, "rename", false, "last");
    if (src.name === undefined || dst.name === undefined) {
      throw vfsError("EBUSY", "rename", from, undefined, to);
    }
    this.#refuseSpecial(src.found as Found<HostNode>, "rename", from, to);
    if (dst.found !== undefined) this.#refuseSpecial(dst.found, "rename", from, to);
    if (
      src.found?.type === "dir" &&
      isWithin(dst.segments, src.segments) &&
      dst.segments.length > src.segments.length
    ) {
      throw vfsError("EINVAL", "rename", from, "cannot move a directory into itself", to);
    }
    this.#checkMovedLinks(src, dst, from, to);
    host("rename", from, () => fs.renameSync(this.#hostPath(src), this.#hostPath(dst)), to);
  }

  realpath(path: string): string {
    return joinSegments(this.#walk(path, "realpath", true, "error").segments);
  }

  /**
   * Creates a link whose target must stay inside: it is resolved against the link's real parent
   * directory, and refused (`EACCES`) if it climbs out or runs into a link that leads out. On
   * disk a relative target without `..` is written as given; any other target is written as the
   * absolute host path it resolves to, so moving the link later can never make it point outside
   * (`readlink` shows it as an absolute path in the sandbox).
   */
  symlink(target: string, path: string): void {
    this.#need("write", "symlink", path);
    checkPathString(target, "symlink");
    const at = this.#walk(path, "symlink", false, "last");
    if (at.found !== undefined) throw vfsError("EEXIST", "symlink", path);
    const parts = target.split("/");
    const resolved = target.startsWith("/") ? [] : at.segments.slice(0, -1);
    for (const part of parts) {
      if (part === "" || part === ".") continue;
      if (part !== "..") resolved.push(part);
      else if (resolved.pop() === undefined) {
        throw vfsError("EACCES", "symlink", path, "the link would point outside the mount");
      }
    }
    // Existing links on the way must stay inside too; a dangling target is fine.
    try {
      walk(this.#walker("symlink", path), resolved, {
        follow: true,
        missing: "tail",
        syscall: "symlink",
        path,
      });
    } catch (error) {
      if (!(error instanceof VfsError) || error.errno !== "ENOTDIR") throw error;
    }
    const plain = !target.startsWith("/") && !parts.includes("..");
    const onDisk = plain ? target : nodePath.posix.join(this.#root, ...resolved);
    host("symlink", path, () => fs.symlinkSync(onDisk, this.#hostPath(at)));
  }

  readlink(path: string): string {
    this.#need("read", "readlink", path);
    const at = this.#walk(path, "readlink", false, "error");
    if (at.found?.type !== "symlink")
      throw vfsError("EINVAL", "readlink", path, "not a symbolic link");
    const link = at.found.node;
    const raw = host("readlink", path, () => fs.readlinkSync(link.host));
    if (this.#escapes(raw, at.segments.length - 1)) {
      throw vfsError("EACCES", "readlink", path, "symbolic link points outside the mount");
    }
    return this.#translate(raw, "readlink", path);
  }

  truncate(path: string, length = 0): void {
    this.#need("write", "truncate", path);
    checkLength("truncate", path, length);
    const found = this.#found(path, "truncate", true);
    const fd = this.#openExisting(found, O_WRONLY, "truncate", path);
    try {
      host("truncate", path, () => fs.ftruncateSync(fd, length));
    } finally {
      closeQuietly(fd);
    }
  }

  open(path: string, flags: OpenFlags, mode = 0o644): FileHandle {
    const m = parseFlags(flags, path);
    if (m.read) this.#need("read", "open", path);
    if (m.write) this.#need("write", "open", path);
    const access =
      (m.read && m.write ? O_RDWR : m.write ? O_WRONLY : O_RDONLY) | (m.append ? O_APPEND : 0);
    // A name created by someone else between resolution and O_EXCL: resolve again, once.
    for (let attempt = 0; ; attempt++) {
      const at = this.#walk(path, "open", true, m.create ? "last" : "error");
      let fd: number;
      if (at.found !== undefined) {
        if (m.exclusive) throw vfsError("EEXIST", "open", path);
        fd = this.#openExisting(at.found, access, "open", path);
      } else {
        try {
          fd = this.#create(this.#hostPath(at), access, mode, path);
        } catch (error) {
          if (!m.exclusive && attempt === 0 && (error as { errno?: string }).errno === "EEXIST")
            continue;
          throw error;
        }
      }
      if (m.truncate) {
        try {
          host("open", path, () => fs.ftruncateSync(fd, 0));
        } catch (error) {
          closeQuietly(fd);
          throw error;
        }
      }
      return new HostHandle(fd, path, m, this);
    }
  }

  // --- resolution ---

  #walker(syscall: string, path: string): Walker<HostNode> {
    const rootSt = host(syscall, path, () => fs.lstatSync(this.#root));
    if (!rootSt.isDirectory())
      throw vfsError("ENOENT", syscall, path, "the granted directory is gone");
    return {
      root: { host: this.#root, st: rootSt },
      lookup: (dir, name) => {
        const hostPath = childPath(dir.host, name);
        const st = host(syscall, path, () => fs.lstatSync(hostPath, { throwIfNoEntry: false }));
        if (st === undefined) return undefined;
        const type = hostType(st) ?? "other";
        if (type === "dir" && st.dev !== dir.st.dev) {
          const pseudo = pseudoFsOf(hostPath);
          if (pseudo !== undefined)
            throw vfsError("EACCES", syscall, path, `kernel ${pseudo} filesystem`);
        }
        return { node: { host: hostPath, st }, type };
      },
      readlink: (link) => this.#target(link, syscall, path),
    };
  }

  #walk(path: string, syscall: string, follow: boolean, missing: MissingPolicy): Walked<HostNode> {
    return walk(this.#walker(syscall, path), fsSegments(path, syscall), {
      follow,
      missing,
      syscall,
      path,
    });
  }

  #found(path: string, syscall: string, follow: boolean): Found<HostNode> {
    return this.#walk(path, syscall, follow, "error").found as Found<HostNode>;
  }

  /** The host path of a walked entry (found or about to be created). */
  #hostPath(at: Walked<HostNode>): string {
    if (at.found !== undefined) return at.found.node.host;
    return childPath(at.parent.host, at.name as string);
  }

  /** A link's target in this filesystem's namespace (see {@link HostDir.#translate}). */
  #target(link: HostNode, syscall: string, path: string): string {
    return this.#translate(
      host(syscall, path, () => fs.readlinkSync(link.host)),
      syscall,
      path,
    );
  }

  /**
   * A host link target in this filesystem's namespace. An absolute host target must lie under
   * the root (compared component-wise after dropping empty and `.` components; `..` stays and
   * is resolved by the walk) and becomes root-relative; relative targets stay as they are.
   */
  #translate(raw: string, syscall: string, path: string): string {
    if (!raw.startsWith("/")) return raw;
    const parts = raw.split("/").filter((s) => s !== "" && s !== ".");
    if (!isWithin(parts, this.#rootSegments)) {
      throw vfsError("EACCES", syscall, path, "symbolic link points outside the mount");
    }
    return joinSegments(parts.slice(this.#rootSegments.length));
  }

  /**
   * Would a link target, seen from a directory `parentDepth` components below the root, lead
   * outside? Absolute host targets must lie under the root; `..` may not climb above it.
   */
  #escapes(target: string, parentDepth: number): boolean {
    let depth = parentDepth;
    let parts = target.split("/");
    if (target.startsWith("/")) {
      parts = parts.filter((part) => part !== "" && part !== ".");
      if (!isWithin(parts, this.#rootSegments)) return true;
      parts = parts.slice(this.#rootSegments.length);
      depth = 0;
    }
    for (const part of parts) {
      if (part === "..") depth -= 1;
      else if (part !== "" && part !== ".") depth += 1;
      if (depth < 0) return true;
    }
    return false;
  }

  /**
   * `rename` does not follow links, so it could carry a link somewhere its relative target
   * climbs out (a link `a/b/up -> ../x` moved to the root points at the root's parent). Moving a
   * link that would point outside from its new place is refused; so is moving a directory to a
   * shallower place while it holds such a link (only then can relative targets start escaping).
   */
  #checkMovedLinks(src: Walked<HostNode>, dst: Walked<HostNode>, from: string, to: string): void {
    const refuse = () =>
      vfsError("EACCES", "rename", from, "a symbolic link would point outside the mount", to);
    const moved = src.found as Found<HostNode>;
    if (moved.type === "symlink") {
      const raw = host("rename", from, () => fs.readlinkSync(moved.node.host));
      if (this.#escapes(raw, dst.segments.length - 1)) throw refuse();
      return;
    }
    if (moved.type !== "dir" || dst.segments.length >= src.segments.length) return;
    const scan = (dir: string, depth: number): void => {
      for (const entry of host("rename", from, () =>
        fs.readdirSync(dir, { withFileTypes: true }),
      )) {
        const child = `${dir}/${entry.name}`;
        if (entry.isSymbolicLink()) {
          const raw = host("rename", from, () => fs.readlinkSync(child));
          if (this.#escapes(raw, depth)) throw refuse();
        } else if (entry.isDirectory()) {
          scan(child, depth + 1);
        }
      }
    };
    scan(moved.node.host, dst.segments.length);
  }

  // --- checks ---

  #need(perm: "read" | "write", syscall: string, path: string, dest?: string): void {
    if (!this[perm]) {
      throw vfsError("EACCES", syscall, path, `the directory is not granted ${perm} access`, dest);
    }
  }

  #refuseSpecial(found: Found<HostNode>, syscall: string, path: string, dest?: string): void {
    if (found.type === "other") throw vfsError("EACCES", syscall, path, "special file", dest);
  }

  #stats(found: Found<HostNode>, syscall: string, path: string): Stats {
    this.#refuseSpecial(found, syscall, path);
    return hostStats(found.node.st, this.write, this.execute);
  }

  /** Refuses what may not be opened: directories, special files, hard-linked files. */
  #checkContent(type: string, st: fs.Stats, syscall: string, path: string): void {
    if (type === "dir") throw vfsError("EISDIR", syscall, path);
    if (type !== "file") throw vfsError("EACCES", syscall, path, "special file");
    if (st.nlink > 1 && !this.allowHardLinks) {
      throw vfsError(
        "EACCES",
        syscall,
        path,
        "file has other hard links; pass allowHardLinks to open it",
      );
    }
  }

  /** Opens a resolved file and proves the descriptor is that file before returning it. */
  #openExisting(found: Found<HostNode>, access: number, syscall: string, path: string): number {
    this.#checkContent(found.type, found.node.st, syscall, path);
    const fd = host(syscall, path, () =>
      fs.openSync(found.node.host, access | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY),
    );
    try {
      const st = host(syscall, path, () => fs.fstatSync(fd));
      if (st.dev !== found.node.st.dev || st.ino !== found.node.st.ino) {
        throw vfsError("EACCES", syscall, path, "the file changed while it was being opened");
      }
      this.#checkContent(hostType(st) ?? "other", st, syscall, path);
      return fd;
    } catch (error) {
      closeQuietly(fd);
      throw error;
    }
  }

  /** Creates a new file (`O_EXCL`) and proves it landed under the root. */
  #create(hostPath: string, access: number, mode: number, path: string): number {
    const bits = mode & 0o777 & (this.execute ? 0o777 : 0o666);
    const flags = access | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
    const fd = host("open", path, () => fs.openSync(hostPath, flags, bits));
    try {
      const where = procFdPath(fd);
      if (
        where !== undefined &&
        !isWithin(
          where.split("/").filter((s) => s !== ""),
          this.#rootSegments,
        )
      ) {
        removeIfSame(where, fd);
        throw vfsError(
          "EACCES",
          "open",
          path,
          "the directory changed while the file was being created",
        );
      }
      return fd;
    } catch (error) {
      closeQuietly(fd);
      throw fromHostError(error, "open", path);
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already failing with a better error.
  }
}

/** Removes the empty file this call just created at `where` (only if it is still that file). */
function removeIfSame(where: string, fd: number): void {
  try {
    const mine = fs.fstatSync(fd);
    const there = fs.lstatSync(where);
    if (mine.dev === there.dev && mine.ino === there.ino && there.size === 0) fs.unlinkSync(where);
  } catch {
    // Best effort: the refusal below is what matters.
  }
}

/** Where the kernel says descriptor `fd` points (Linux), or `undefined` where it cannot tell. */
function procFdPath(fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}
