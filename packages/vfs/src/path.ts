import { vfsError } from "./fail.js";

/** Longest accepted path, in UTF-8 bytes (Linux `PATH_MAX`). */
export const PATH_MAX = 4096;
/** Longest accepted path component, in UTF-8 bytes (Linux `NAME_MAX`). */
export const NAME_MAX = 255;

/** A path split into components, with no `.`, `..` or empty components left. */
export interface ParsedPath {
  readonly segments: readonly string[];
  /** The caller wrote a trailing `/` (or `/.`): the path must name a directory. */
  readonly trailingSlash: boolean;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks that a path argument is a usable string: not empty (`ENOENT`), no NUL byte and no lone
 * UTF-16 surrogate (`EINVAL`; the latter would be rewritten to U+FFFD on the host, so two guest
 * names could reach one host file), at most {@link PATH_MAX} bytes (`ENAMETOOLONG`).
 */
export function checkPathString(path: unknown, syscall: string): string {
  if (typeof path !== "string") {
    throw vfsError("EINVAL", syscall, String(path), "path must be a string");
  }
  if (path.length === 0) throw vfsError("ENOENT", syscall, path);
  if (path.includes("\0")) throw vfsError("EINVAL", syscall, path, "path contains a NUL byte");
  if (LONE_SURROGATE.test(path)) {
    throw vfsError("EINVAL", syscall, path, "path is not well-formed Unicode");
  }
  if (Buffer.byteLength(path) > PATH_MAX) throw vfsError("ENAMETOOLONG", syscall, path);
  return path;
}

/**
 * Splits an already checked path and removes `.`, `..` and empty components lexically; `..` at
 * the root stays at the root. Names are kept byte-exact: no case folding, no Unicode
 * normalisation (`．．`, fullwidth dots, is an ordinary name).
 */
export function parsePath(path: string, syscall: string): ParsedPath {
  const segments: string[] = [];
  const parts = path.split("/");
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      segments.pop();
      continue;
    }
    if (Buffer.byteLength(part) > NAME_MAX) throw vfsError("ENAMETOOLONG", syscall, path);
    segments.push(part);
  }
  const last = parts[parts.length - 1];
  const trailingSlash =
    segments.length > 0 && parts.length > 1 && (last === "" || last === "." || last === "..");
  return { segments, trailingSlash };
}

/** The path of entry `name` in directory `dir` (`/x` in `/`, `/d/x` in `/d`). */
export function childPath(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

/** Sort order of directory listings: by name, code unit by code unit. */
export function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** `/a/b` from `["a", "b"]`. */
export function joinSegments(segments: readonly string[]): string {
  return `/${segments.join("/")}`;
}

/**
 * The pure resolver behind every `Vfs` call: makes `path` absolute against `cwd` and normalises
 * `.`/`..` lexically at the sandbox level, so `..` can never climb out of the sandbox root nor
 * from one mount into a sibling's host directory. Throws `VfsError` (`ENOENT` for an empty path,
 * `EINVAL` for NUL bytes or lone surrogates, `ENAMETOOLONG`). The result has no `.`, `..`,
 * repeated or trailing `/`.
 */
export function resolveSandboxPath(path: string, cwd = "/", syscall = "resolve"): string {
  return joinSegments(parseSandboxPath(path, cwd, syscall).segments);
}

/** {@link resolveSandboxPath}, keeping the segments and the trailing-slash flag. */
export function parseSandboxPath(path: string, cwd: string, syscall: string): ParsedPath {
  checkPathString(path, syscall);
  const absolute = path.startsWith("/") ? path : `${cwd}/${path}`;
  const parsed = parsePath(absolute, syscall);
  if (Buffer.byteLength(joinSegments(parsed.segments)) > PATH_MAX) {
    throw vfsError("ENAMETOOLONG", syscall, path);
  }
  return parsed;
}

/** Is `inner` equal to `outer` or below it (segment-wise, byte-exact)? */
export function isWithin(inner: readonly string[], outer: readonly string[]): boolean {
  if (inner.length < outer.length) return false;
  return outer.every((segment, i) => inner[i] === segment);
}
