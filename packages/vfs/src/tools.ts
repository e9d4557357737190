import { ToolError, VfsError } from "./errors.js";
import { globToRegExp } from "./glob.js";
import { childPath, resolveSandboxPath } from "./path.js";
import type { FileType, Stats, Vfs } from "./types.js";

/** Limits of the agent tools; the defaults are {@link TOOL_DEFAULTS}. */
export interface ToolOptions {
  /** Lines `read` returns when no `limit` is given. */
  readonly readLines?: number;
  /** Most entries `list` returns. */
  readonly maxListEntries?: number;
  /** Most matches `grep` returns, and the largest `maxResults` it accepts. */
  readonly maxGrepResults?: number;
  /** Files larger than this are skipped by `grep`. */
  readonly maxGrepFileBytes?: number;
  /** Longest matching line `grep` returns (longer ones are cut). */
  readonly maxLineLength?: number;
}

export const TOOL_DEFAULTS = Object.freeze({
  readLines: 2000,
  maxListEntries: 1000,
  maxGrepResults: 100,
  maxGrepFileBytes: 1024 * 1024,
  maxLineLength: 500,
});

export interface ReadArgs {
  readonly path: string;
  /** First line to return, 1-based. Default 1. */
  readonly offset?: number;
  /** How many lines. Default `readLines` (2000). */
  readonly limit?: number;
}
export interface ReadResult {
  /** The resolved sandbox path. */
  readonly path: string;
  /** The requested lines joined with `\n` (no trailing newline). */
  readonly text: string;
  readonly totalLines: number;
  /** 1-based, inclusive; `endLine < startLine` when nothing was returned. */
  readonly startLine: number;
  readonly endLine: number;
  /** More lines follow `endLine`. */
  readonly truncated: boolean;
}
export interface WriteArgs {
  readonly path: string;
  readonly content: string;
}
export interface WriteResult {
  readonly path: string;
  readonly bytes: number;
}
export interface PatchEdit {
  /** Must occur exactly once in the file (as edited by the edits before it). */
  readonly oldText: string;
  readonly newText: string;
}
export interface PatchArgs {
  readonly path: string;
  readonly edits: readonly PatchEdit[];
}
export interface PatchResult {
  readonly path: string;
  readonly edits: number;
}
export interface ListArgs {
  readonly path: string;
  /** Descend into directories (links are listed, not followed). */
  readonly recursive?: boolean;
}
export interface ListEntry {
  /** Relative to the listed directory. */
  readonly path: string;
  readonly type: FileType;
}
export interface ListResult {
  readonly path: string;
  readonly entries: readonly ListEntry[];
  readonly truncated: boolean;
}
export interface StatArgs {
  readonly path: string;
}
export type StatResult = Stats & { readonly path: string };
export interface GrepArgs {
  /** A JavaScript regular expression, tested against each line. */
  readonly pattern: string;
  /** A file, or a directory searched recursively (links not followed). */
  readonly path: string;
  /** Only files matching this glob: against the relative path if it has a `/`, else the file name. */
  readonly glob?: string;
  readonly ignoreCase?: boolean;
  /** At most `maxGrepResults` (100). */
  readonly maxResults?: number;
}
export interface GrepMatch {
  readonly path: string;
  /** 1-based. */
  readonly line: number;
  readonly text: string;
}
export interface GrepResult {
  readonly matches: readonly GrepMatch[];
  /** The result limit was reached; there may be more. */
  readonly truncated: boolean;
  readonly filesSearched: number;
  /** Files skipped as binary, too large or unreadable. */
  readonly filesSkipped: number;
}

/** The file tools an agent on the host uses; every path goes through the Vfs (and its mounts). */
export interface Tools {
  read(args: ReadArgs): ReadResult;
  write(args: WriteArgs): WriteResult;
  patch(args: PatchArgs): PatchResult;
  list(args: ListArgs): ListResult;
  stat(args: StatArgs): StatResult;
  grep(args: GrepArgs): GrepResult;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Agent tools over a Vfs: line-based `read`, `write` (creating parents), all-or-nothing
 * `patch`, bounded `list` and `grep`, `stat`. Filesystem failures throw `VfsError`; malformed
 * arguments, patches that do not apply and bad patterns throw `ToolError` (with a `reason`).
 */
export function createTools(vfs: Vfs, options: ToolOptions = {}): Tools {
  const limits = { ...TOOL_DEFAULTS, ...options };
  return {
    read({ path, offset = 1, limit = limits.readLines }) {
      const where = resolve(vfs, path, "read");
      positive("read", "offset", offset);
      positive("read", "limit", limit);
      const lines = splitLines(text(vfs, where, "read"));
      const start = offset - 1;
      const slice = lines.slice(start, start + limit);
      return {
        path: where,
        text: slice.join("\n"),
        totalLines: lines.length,
        startLine: offset,
        endLine: offset + slice.length - 1,
        truncated: start + slice.length < lines.length,
      };
    },

    write({ path, content }) {
      const where = resolve(vfs, path, "write");
      if (typeof content !== "string")
        throw new ToolError("write", "INVALID_ARGUMENT", "content must be a string");
      const parent = where.slice(0, where.lastIndexOf("/")) || "/";
      vfs.mkdir(parent, { recursive: true });
      const bytes = new TextEncoder().encode(content);
      vfs.writeFile(where, bytes);
      return { path: where, bytes: bytes.byteLength };
    },

    patch({ path, edits }) {
      const where = resolve(vfs, path, "patch");
      if (!Array.isArray(edits) || edits.length === 0) {
        throw new ToolError(
          "patch",
          "INVALID_ARGUMENT",
          "edits must be a non-empty array of { oldText, newText }",
        );
      }
      let content = text(vfs, where, "patch");
      edits.forEach((edit: PatchEdit, i) => {
        const { oldText, newText } = edit ?? {};
        if (typeof oldText !== "string" || typeof newText !== "string") {
          throw new ToolError(
            "patch",
            "INVALID_ARGUMENT",
            `edits[${i}]: oldText and newText must be strings`,
          );
        }
        if (oldText === "")
          throw new ToolError("patch", "EMPTY_OLD_TEXT", `edits[${i}]: oldText is empty`);
        const at = content.indexOf(oldText);
        if (at < 0) {
          throw new ToolError(
            "patch",
            "NO_MATCH",
            `edits[${i}]: oldText not found in ${where}; nothing was changed`,
          );
        }
        if (content.indexOf(oldText, at + 1) >= 0) {
          throw new ToolError(
            "patch",
            "MULTIPLE_MATCHES",
            `edits[${i}]: oldText occurs more than once in ${where}; add surrounding lines to make it unique (nothing was changed)`,
          );
        }
        content = content.slice(0, at) + newText + content.slice(at + oldText.length);
      });
      vfs.writeFile(where, content);
      return { path: where, edits: edits.length };
    },

    list({ path, recursive = false }) {
      const where = resolve(vfs, path, "list");
      const entries: ListEntry[] = [];
      let truncated = false;
      const visit = (dir: string, prefix: string): void => {
        for (const entry of vfs.readdir(dir, { withFileTypes: true })) {
          if (entries.length >= limits.maxListEntries) {
            truncated = true;
            return;
          }
          const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
          entries.push({ path: rel, type: entry.type });
          if (recursive && entry.type === "dir") visit(childPath(dir, entry.name), rel);
          if (truncated) return;
        }
      };
      visit(where, "");
      return { path: where, entries, truncated };
    },

    stat({ path }) {
      const where = resolve(vfs, path, "stat");
      return { path: where, ...vfs.stat(where) };
    },

    grep({ pattern, path, glob, ignoreCase = false, maxResults = limits.maxGrepResults }) {
      const where = resolve(vfs, path, "grep");
      if (typeof pattern !== "string")
        throw new ToolError("grep", "INVALID_ARGUMENT", "pattern must be a string");
      positive("grep", "maxResults", maxResults);
      const cap = Math.min(maxResults, limits.maxGrepResults);
      const regex = compile(
        "grep",
        () => new RegExp(pattern, ignoreCase ? "i" : ""),
        `pattern ${JSON.stringify(pattern)}`,
      );
      const fileFilter =
        glob === undefined
          ? undefined
          : compile("grep", () => globToRegExp(glob), `glob ${JSON.stringify(glob)}`);
      const matchesGlob = (rel: string): boolean =>
        fileFilter === undefined ||
        fileFilter.test(glob?.includes("/") ? rel : rel.slice(rel.lastIndexOf("/") + 1));

      const matches: GrepMatch[] = [];
      let truncated = false;
      let filesSearched = 0;
      let filesSkipped = 0;
      const search = (file: string): void => {
        let bytes: Uint8Array;
        try {
          if (vfs.stat(file).size > limits.maxGrepFileBytes) {
            filesSkipped++;
            return;
          }
          bytes = vfs.readFile(file);
        } catch (error) {
          if (!(error instanceof VfsError)) throw error;
          filesSkipped++;
          return;
        }
        const content = decodeText(bytes);
        if (content === undefined) {
          filesSkipped++;
          return;
        }
        filesSearched++;
        const lines = splitLines(content);
        for (let i = 0; i < lines.length; i++) {
          const line = lines[i] as string;
          if (!regex.test(line)) continue;
          if (matches.length >= cap) {
            truncated = true;
            return;
          }
          matches.push({ path: file, line: i + 1, text: line.slice(0, limits.maxLineLength) });
        }
      };
      const visit = (dir: string, prefix: string): void => {
        for (const entry of vfs.readdir(dir, { withFileTypes: true })) {
          if (truncated) return;
          const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
          const full = childPath(dir, entry.name);
          if (entry.type === "dir") visit(full, rel);
          else if (entry.type === "file" && matchesGlob(rel)) search(full);
        }
      };
      if (vfs.stat(where).type === "dir") visit(where, "");
      else search(where);
      return { matches, truncated, filesSearched, filesSkipped };
    },
  };
}

/** The sandbox path a tool works on, resolved against the Vfs's cwd. */
function resolve(vfs: Vfs, path: unknown, tool: string): string {
  if (typeof path !== "string" || path === "") {
    throw new ToolError(tool, "INVALID_ARGUMENT", "path must be a non-empty string");
  }
  return resolveSandboxPath(path, vfs.cwd, tool);
}

function positive(tool: string, name: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new ToolError(tool, "INVALID_ARGUMENT", `${name} must be a positive integer`);
  }
}

function compile(tool: string, build: () => RegExp, what: string): RegExp {
  try {
    return build();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ToolError(tool, "INVALID_PATTERN", `${what} is not valid: ${reason}`, {
      cause: error,
    });
  }
}

/** The file as text; `NOT_TEXT` for binary content (NUL bytes or invalid UTF-8). */
function text(vfs: Vfs, path: string, tool: string): string {
  const content = decodeText(vfs.readFile(path));
  if (content === undefined)
    throw new ToolError(tool, "NOT_TEXT", `${path} is not a UTF-8 text file`);
  return content;
}

function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Lines of a text; a final newline ends the last line rather than starting an empty one. */
function splitLines(content: string): string[] {
  if (content === "") return [];
  const lines = content.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}
