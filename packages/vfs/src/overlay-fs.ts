import { BaseFs, checkLength, fsSegments, toBytes } from "./base.js";
import { VfsConfigError, VfsError } from "./errors.js";
import { vfsError } from "./fail.js";
import { parseFlags } from "./flags.js";
import { byName, checkPathString, childPath, isWithin, joinSegments } from "./path.js";
import { isFileSystem } from "./read-only.js";
import type {
  DirEntry,
  FileHandle,
  FileSystem,
  OpenFlags,
  Stats,
  WriteFileOptions,
} from "./types.js";
import { walk, type Found, type MissingPolicy, type Walked, type Walker } from "./walk.js";

export interface OverlayFsOptions {
  /** Read from, never written. */
  readonly lower: FileSystem;
  /** Receives every change (usually a `memoryFs`). */
  readonly upper: FileSystem;
}

/** One entry of the merged view. */
interface OvNode {
  /** Real path in the merged view (and in the layer that holds it). */
  readonly path: string;
  /** Which layer the entry comes from; the upper one wins. */
  readonly layer: "upper" | "lower";
  readonly st: Stats;
  /** The lower layer has a visible directory here whose entries show through. */
  readonly lowerDir: boolean;
}

/**
 * A writable view of a read-only `lower` filesystem: changes go to `upper`. Writing a lower file
 * first copies it up (its parents become upper directories); deleting or renaming away a lower
 * entry records a whiteout that hides it, and a directory created or moved over a whiteout is
 * opaque (nothing of the lower one shows through). `lower` is only ever read.
 *
 * Whiteouts live in this object, not in `upper`: a new overlay over the same layers starts
 * without them. Renaming a lower directory copies its whole tree up first.
 */
export function overlayFs(options: OverlayFsOptions): OverlayFs {
  const { lower, upper } = options ?? ({} as OverlayFsOptions);
  if (!isFileSystem(lower) || !isFileSystem(upper)) {
    throw new VfsConfigError("overlayFs: lower and upper must both be filesystems");
  }
  if (lower === upper)
    throw new VfsConfigError("overlayFs: lower and upper must be different filesystems");
  return new OverlayFs(lower, upper);
}

/** The object `overlayFs()` returns. */
export class OverlayFs extends BaseFs {
  readonly kind = "overlay" as const;
  /** Merged paths whose lower entry (and everything below it) is hidden. */
  readonly #hidden = new Set<string>();

  constructor(
    readonly lower: FileSystem,
    readonly upper: FileSystem,
  ) {
    super();
  }

  stat(path: string): Stats {
    return this.#found(path, "stat", true).node.st;
  }

  lstat(path: string): Stats {
    return this.#found(path, "lstat", false).node.st;
  }

  protected readdirEntries(path: string): DirEntry[] {
    const dir = this.#found(path, "scandir", true);
    if (dir.type !== "dir") throw vfsError("ENOTDIR", "scandir", path);
    return this.#list(dir.node);
  }

  protected mkdirOne(path: string, mode: number): void {
    const at = this.#walk(path, "mkdir", false, "last");
    if (at.found !== undefined) throw vfsError("EEXIST", "mkdir", path);
    this.#copyUpParents(at.segments);
    this.upper.mkdir(joinSegments(at.segments), { mode });
  }

  unlink(path: string): void {
    const at = this.#walk(path, "unlink", false, "error");
    const node = (at.found as Found<OvNode>).node;
    if (node.st.type === "dir") throw vfsError("EISDIR", "unlink", path);
    this.#remove(at, node, () => this.upper.unlink(node.path));
  }

  rmdir(path: string): void {
    const at = this.#walk(path, "rmdir", false, "error");
    const node = (at.found as Found<OvNode>).node;
    if (node.st.type !== "dir") throw vfsError("ENOTDIR", "rmdir", path);
    if (at.name === undefined) throw vfsError("EBUSY", "rmdir", path);
    if (this.#list(node).length > 0) throw vfsError("ENOTEMPTY", "rmdir", path);
    this.#remove(at, node, () => this.upper.rmdir(node.path));
  }

  rename(from: string, to: string): void {
    const src = this.#walk(from, "rename", false, "error");
    const dst = this.#walk(to, "rename", false, "last");
    if (src.name === undefined || dst.name === undefined)
      throw vfsError("EBUSY", "rename", from, undefined, to);
    const node = (src.found as Found<OvNode>).node;
    const target = dst.found?.node;
    const dstPath = joinSegments(dst.segments);
    if (node.path === dstPath) return;
    const isDir = node.st.type === "dir";
    if (isDir && isWithin(dst.segments, src.segments)) {
      throw vfsError("EINVAL", "rename", from, "cannot move a directory into itself", to);
    }
    if (target !== undefined) {
      if (isDir && target.st.type !== "dir")
        throw vfsError("ENOTDIR", "rename", from, undefined, to);
      if (!isDir && target.st.type === "dir")
        throw vfsError("EISDIR", "rename", from, undefined, to);
      if (target.st.type === "dir" && this.#list(target).length > 0) {
        throw vfsError("ENOTEMPTY", "rename", from, undefined, to);
      }
    }
    const hideSource = this.#lowerVisible(src.parent, node.path);
    this.#copyUpTree(node);
    this.#copyUpParents(dst.segments);
    this.upper.rename(node.path, dstPath);
    if (hideSource) this.#hidden.add(node.path);
    // Whatever the lower layer has at the destination must not show through the moved tree.
    if (isDir || target?.layer === "lower") this.#hidden.add(dstPath);
  }

  realpath(path: string): string {
    return joinSegments(this.#walk(path, "realpath", true, "error").segments);
  }

  symlink(target: string, path: string): void {
    checkPathString(target, "symlink");
    const at = this.#walk(path, "symlink", false, "last");
    if (at.found !== undefined) throw vfsError("EEXIST", "symlink", path);
    this.#copyUpParents(at.segments);
    this.upper.symlink(target, joinSegments(at.segments));
  }

  readlink(path: string): string {
    const node = this.#found(path, "readlink", false).node;
    if (node.st.type !== "symlink")
      throw vfsError("EINVAL", "readlink", path, "not a symbolic link");
    return this.#layer(node).readlink(node.path);
  }

  truncate(path: string, length = 0): void {
    checkLength("truncate", path, length);
    const node = this.#found(path, "truncate", true).node;
    if (node.st.type === "dir") throw vfsError("EISDIR", "truncate", path);
    this.#copyUp(node);
    this.upper.truncate(node.path, length);
  }

  override readFile(path: string): Uint8Array {
    const node = this.#found(path, "open", true).node;
    if (node.st.type === "dir") throw vfsError("EISDIR", "read", path);
    return this.#layer(node).readFile(node.path);
  }

  override writeFile(
    path: string,
    data: Uint8Array | string,
    options: WriteFileOptions = {},
  ): void {
    const bytes = toBytes(data);
    const at = this.#walk(path, "open", true, "last");
    const node = at.found?.node;
    if (node !== undefined && options.exclusive) throw vfsError("EEXIST", "open", path);
    if (node?.st.type === "dir") throw vfsError("EISDIR", "open", path);
    const real = joinSegments(at.segments);
    if (node?.layer === "lower") {
      if (options.append) this.#copyUp(node);
      else this.#copyUpParents(at.segments);
      this.upper.writeFile(real, bytes, { append: options.append, mode: node.st.mode });
      return;
    }
    this.#copyUpParents(at.segments);
    this.upper.writeFile(real, bytes, options);
  }

  open(path: string, flags: OpenFlags, mode?: number): FileHandle {
    const m = parseFlags(flags, path);
    const at = this.#walk(path, "open", true, m.create ? "last" : "error");
    const node = at.found?.node;
    if (node !== undefined && m.exclusive) throw vfsError("EEXIST", "open", path);
    if (node?.st.type === "dir") throw vfsError("EISDIR", "open", path);
    const real = joinSegments(at.segments);
    if (node !== undefined && !m.write) return this.#layer(node).open(real, flags, mode);
    if (node?.layer === "lower") {
      if (m.truncate) {
        this.#copyUpParents(at.segments);
        this.upper.writeFile(real, new Uint8Array(0), { mode: node.st.mode });
      } else {
        this.#copyUp(node);
      }
    } else {
      this.#copyUpParents(at.segments);
    }
    return this.upper.open(real, flags, mode);
  }

  // --- the merged view ---

  #walker(): Walker<OvNode> {
    return {
      root: { path: "/", layer: "upper", st: this.upper.lstat("/"), lowerDir: true },
      lookup: (dir, name) => {
        const path = childPath(dir.path, name);
        const up = lstatOrNone(this.upper, path);
        const low =
          dir.lowerDir && !this.#hidden.has(path) ? lstatOrNone(this.lower, path) : undefined;
        if (up !== undefined) {
          const lowerDir = up.type === "dir" && low?.type === "dir";
          return { node: { path, layer: "upper", st: up, lowerDir }, type: up.type };
        }
        if (low !== undefined) {
          return {
            node: { path, layer: "lower", st: low, lowerDir: low.type === "dir" },
            type: low.type,
          };
        }
        return undefined;
      },
      readlink: (link) => this.#layer(link).readlink(link.path),
    };
  }

  #walk(path: string, syscall: string, follow: boolean, missing: MissingPolicy): Walked<OvNode> {
    return walk(this.#walker(), fsSegments(path, syscall), { follow, missing, syscall, path });
  }

  #found(path: string, syscall: string, follow: boolean): Found<OvNode> {
    return this.#walk(path, syscall, follow, "error").found as Found<OvNode>;
  }

  #layer(node: OvNode): FileSystem {
    return node.layer === "upper" ? this.upper : this.lower;
  }

  /** The merged entries of a directory: upper ones, then visible lower ones not shadowed. */
  #list(dir: OvNode): DirEntry[] {
    const entries = new Map<string, DirEntry>();
    if (dir.layer === "upper") {
      for (const entry of this.upper.readdir(dir.path, { withFileTypes: true }))
        entries.set(entry.name, entry);
    }
    if (dir.lowerDir) {
      for (const entry of this.lower.readdir(dir.path, { withFileTypes: true })) {
        const path = childPath(dir.path, entry.name);
        if (!entries.has(entry.name) && !this.#hidden.has(path)) entries.set(entry.name, entry);
      }
    }
    return [...entries.values()].sort(byName);
  }

  /** Does the lower layer show an entry at `path` (whose merged parent is `parent`)? */
  #lowerVisible(parent: OvNode, path: string): boolean {
    return (
      parent.lowerDir && !this.#hidden.has(path) && lstatOrNone(this.lower, path) !== undefined
    );
  }

  /** Removes an entry from the upper layer (if there) and whites out the lower one (if any). */
  #remove(at: Walked<OvNode>, node: OvNode, removeUpper: () => void): void {
    const hide = this.#lowerVisible(at.parent, node.path);
    if (node.layer === "upper") removeUpper();
    if (hide) this.#hidden.add(node.path);
  }

  // --- copy-up ---

  /** Makes every parent directory of `segments` exist in the upper layer. */
  #copyUpParents(segments: readonly string[]): void {
    for (let i = 1; i < segments.length; i++) {
      const path = joinSegments(segments.slice(0, i));
      const up = lstatOrNone(this.upper, path);
      if (up?.type === "dir") continue;
      if (up !== undefined) throw vfsError("ENOTDIR", "copyup", path);
      this.upper.mkdir(path, { mode: lstatOrNone(this.lower, path)?.mode ?? 0o755 });
    }
  }

  /** Copies one lower entry (file, link or bare directory) up. */
  #copyUp(node: OvNode): void {
    if (node.layer === "upper") return;
    this.#copyUpParents(fsSegments(node.path, "copyup"));
    const mode = node.st.mode;
    if (node.st.type === "file")
      this.upper.writeFile(node.path, this.lower.readFile(node.path), { mode });
    else if (node.st.type === "symlink")
      this.upper.symlink(this.lower.readlink(node.path), node.path);
    else this.upper.mkdir(node.path, { mode });
  }

  /** Copies an entry and, for a directory, everything visible below it. */
  #copyUpTree(node: OvNode): void {
    this.#copyUp(node);
    if (node.st.type !== "dir") return;
    for (const entry of this.#list(node)) {
      const child = this.#found(childPath(node.path, entry.name), "copyup", false);
      this.#copyUpTree(child.node);
    }
  }
}

/** `lstat`, or `undefined` where nothing is (missing, or a parent is not a directory). */
function lstatOrNone(fs: FileSystem, path: string): Stats | undefined {
  try {
    return fs.lstat(path);
  } catch (error) {
    if (error instanceof VfsError && (error.errno === "ENOENT" || error.errno === "ENOTDIR"))
      return undefined;
    throw error;
  }
}
