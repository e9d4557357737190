import type { z } from "zod";

/** One problem in a config, with the dotted field path (`runtime.timeout_ms`, `dirs[2].path`). */
export interface ConfigIssue {
  readonly field: string;
  readonly message: string;
}

/** Keys that each object in the file may have, for "did you mean" hints on unknown fields. */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  "": [
    "$schema",
    "name",
    "policy",
    "runtime",
    "dirs",
    "env",
    "allowCommands",
    "denyCommands",
    "commands",
    "allowedUrls",
    "blockedUrls",
    "allowPrivateNetwork",
    "rateLimitRps",
    "maxConnections",
    "daemon",
  ],
  runtime: [
    "stack_size",
    "heap_size",
    "max_memory_pages",
    "max_instructions",
    "timeout_ms",
    "max_output_bytes",
  ],
  daemon: ["pool_size", "exec_timeout_ms", "port"],
  dirs: ["path", "read", "write", "execute"],
};

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out === "" ? "(root)" : out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The known key closest to a misspelt one (case, `-`/`_` and up to two typos forgiven). */
function closest(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_$]/g, "");
  const k = norm(key);
  let best: { name: string; d: number } | undefined;
  for (const c of known) {
    const d = editDistance(k, norm(c));
    if (d <= 2 && (!best || d < best.d)) best = { name: c, d };
  }
  return best?.name;
}

const UNION_HINTS: Record<string, string> = {
  dirs: 'must be a path string or an object { "path": "/abs/dir", "read": true, "write": false }',
  commands: "must be true (any arguments) or a list of allowed subcommands",
};

/** Turns zod issues into messages that name the field and say how to fix it. */
export function toConfigIssues(error: z.ZodError, input: unknown): ConfigIssue[] {
  return convert(error.issues, [], input);
}

function convert(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[],
  input: unknown,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      const objectKey = path.length === 0 ? "" : String(path[0]);
      const known = KNOWN_KEYS[objectKey] ?? [];
      for (const key of issue.keys) {
        const guess = closest(key, known);
        out.push({
          field: formatPath([...path, key]),
          message: `unknown field; remove it${guess ? ` (did you mean "${guess}"?)` : ""}. Known fields: ${known.join(", ")}`,
        });
      }
      continue;
    }
    const actual = valueAt(input, path);
    if (issue.code === "invalid_type") {
      out.push({
        field: formatPath(path),
        message: `expected ${issue.expected}, got ${describe(actual)}`,
      });
      continue;
    }
    if (issue.code === "invalid_union") {
      // An object given where a union accepts an object: report the object branch's own problems
      // (`dirs[0].read: expected boolean`), not a vague "wrong type".
      if (actual !== null && typeof actual === "object" && !Array.isArray(actual)) {
        const branch = issue.errors.find(
          (errs) => !errs.some((e) => e.path.length === 0 && e.code === "invalid_type"),
        );
        if (branch && branch.length > 0) {
          out.push(...convert(branch, path, input));
          continue;
        }
      }
      const top = String(path[0] ?? "");
      out.push({
        field: formatPath(path),
        message: `${UNION_HINTS[top] ?? "has the wrong type"}; got ${describe(actual)}`,
      });
      continue;
    }
    out.push({ field: formatPath(path), message: issue.message });
  }
  return out;
}
