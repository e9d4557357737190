import { vfsError } from "./fail.js";

/** Linux's `MAXSYMLINKS`: more links than this in one resolution is `ELOOP`. */
export const MAX_SYMLINKS = 40;

/** What a lookup found. `other` is a special file (device, FIFO, socket): never opened, never shown. */
export type NodeType = "file" | "dir" | "symlink" | "other";

export interface Found<N> {
  readonly node: N;
  readonly type: NodeType;
}

/** How one filesystem answers the questions path resolution asks. */
export interface Walker<N> {
  readonly root: N;
  /** The entry `name` of directory `dir` without following it (`lstat`), or `undefined` when absent. */
  lookup(dir: N, name: string): Found<N> | undefined;
  /**
   * A symbolic link's target in this filesystem's namespace: absolute targets start at its root.
   * Throws `VfsError` (`EACCES`) for a target that cannot be expressed there.
   */
  readlink(link: N): string;
}

export type MissingPolicy =
  /** Every component must exist. */
  | "error"
  /** The final component may be missing (creating it). */
  | "last"
  /** Stop quietly at the first missing component (checking where a new symlink would lead). */
  | "tail";

export interface WalkOptions {
  /** Follow a symbolic link in the final component. Intermediate links are always followed. */
  readonly follow: boolean;
  readonly missing: MissingPolicy;
  /** For error messages: the operation and the path the caller passed. */
  readonly syscall: string;
  readonly path: string;
}

export interface Walked<N> {
  /** The directory holding the final component (the root for the root itself). */
  readonly parent: N;
  /** The final component's name; `undefined` when the path is the root. */
  readonly name: string | undefined;
  /** The final component, or `undefined` when it is missing. */
  readonly found: Found<N> | undefined;
  /** Real components of the final path (no links), from the root. */
  readonly segments: readonly string[];
  /** With `missing: "tail"`: components that did not exist, the first one included. */
  readonly rest: readonly string[];
}

/**
 * Resolves `segments` (already free of `.`/`..`) one component at a time, following symbolic
 * links through `walker`. `..` inside a link target pops a real directory; popping the root is
 * `EACCES` (a link may not point outside its filesystem). More than {@link MAX_SYMLINKS} links is
 * `ELOOP`; a missing component is `ENOENT`; a non-directory in the middle is `ENOTDIR`.
 */
export function walk<N>(
  walker: Walker<N>,
  segments: readonly string[],
  opts: WalkOptions,
): Walked<N> {
  const { syscall, path } = opts;
  // The real directories from the root down to the current one, and their names.
  const stack: N[] = [walker.root];
  const names: string[] = [];
  const queue = [...segments];
  let links = 0;

  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (name === "" || name === ".") continue;
    if (name === "..") {
      if (stack.length === 1) {
        throw vfsError("EACCES", syscall, path, "symbolic link points outside the mount");
      }
      stack.pop();
      names.pop();
      continue;
    }
    const dir = stack[stack.length - 1] as N;
    const found = walker.lookup(dir, name);
    const isFinal = queue.length === 0;
    if (found === undefined) {
      const segs = [...names, name];
      if (opts.missing === "tail") {
        return { parent: dir, name, found: undefined, segments: segs, rest: [name, ...queue] };
      }
      if (isFinal && opts.missing === "last") {
        return { parent: dir, name, found: undefined, segments: segs, rest: [] };
      }
      throw vfsError("ENOENT", syscall, path);
    }
    if (found.type === "symlink" && (!isFinal || opts.follow)) {
      links += 1;
      if (links > MAX_SYMLINKS) throw vfsError("ELOOP", syscall, path);
      const target = walker.readlink(found.node);
      if (target === "") throw vfsError("ENOENT", syscall, path);
      if (target.startsWith("/")) {
        stack.length = 1;
        names.length = 0;
      }
      queue.unshift(...target.split("/"));
      continue;
    }
    if (isFinal) {
      return { parent: dir, name, found, segments: [...names, name], rest: [] };
    }
    if (found.type !== "dir") throw vfsError("ENOTDIR", syscall, path);
    stack.push(found.node);
    names.push(name);
  }

  // Ended on a directory: the root, or a link target such as "dir/" or "a/..".
  const node = stack[stack.length - 1] as N;
  const parent = stack.length > 1 ? (stack[stack.length - 2] as N) : node;
  return {
    parent,
    name: names[names.length - 1],
    found: { node, type: "dir" },
    segments: [...names],
    rest: [],
  };
}
