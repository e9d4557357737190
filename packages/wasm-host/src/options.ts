/** Validation of sandbox and run options: every problem names its field. */
import { InvalidOptionError } from "./errors.js";
import {
  DEFAULT_LIMITS,
  LIMIT_KEYS,
  checkLimit,
  runLimitsFromConfig,
  validateLimits,
} from "./limits.js";
import type { RunLimits, RunOptions, SandboxOptions } from "./types.js";

const RUN_KEYS = new Set<string>([
  ...LIMIT_KEYS,
  "filename",
  "args",
  "stdin",
  "type",
  "env",
  "onStdout",
  "onStderr",
  "signal",
]);

const isObject = (v: unknown): v is object => v !== null && typeof v === "object";

export function sandboxLimits(options: SandboxOptions): RunLimits {
  if (!isObject(options)) throw new InvalidOptionError("options", "expected an object");
  for (const key of Object.keys(options)) {
    if (key !== "config" && key !== "limits" && key !== "keepState" && key !== "frozen") {
      throw new InvalidOptionError(
        key,
        "unknown sandbox option (expected config, limits, keepState, frozen)",
      );
    }
  }
  if (options.keepState !== undefined && typeof options.keepState !== "boolean") {
    throw new InvalidOptionError("keepState", "expected a boolean");
  }
  const base =
    options.config !== undefined ? runLimitsFromConfig(options.config) : { ...DEFAULT_LIMITS };
  if (options.limits !== undefined) {
    if (!isObject(options.limits)) throw new InvalidOptionError("limits", "expected an object");
    for (const [key, value] of Object.entries(options.limits)) {
      if (!(LIMIT_KEYS as string[]).includes(key)) {
        throw new InvalidOptionError(
          `limits.${key}`,
          `unknown limit (expected one of ${LIMIT_KEYS.join(", ")})`,
        );
      }
      if (value !== undefined) (base as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return validateLimits(base, "limits");
}

export interface ResolvedRun {
  limits: RunLimits;
  filename: string;
  args: string[];
  stdin: Uint8Array | null;
  module: boolean;
  env: Record<string, string>;
}

/** Looks like ES module syntax: a static `import …`/`export …` at the start of a line. */
const MODULE_SYNTAX = /(^|[\n;])\s*(import\s*[\w*{'"]|export\s+[\w*{]|export\s*\{)/;

export function resolveRun(
  code: unknown,
  options: RunOptions | undefined,
  defaults: RunLimits,
): ResolvedRun {
  if (typeof code !== "string")
    throw new InvalidOptionError("code", "expected a string of JavaScript");
  const o: RunOptions = options ?? {};
  if (!isObject(o)) throw new InvalidOptionError("options", "expected an object");
  for (const key of Object.keys(o)) {
    if (!RUN_KEYS.has(key)) throw new InvalidOptionError(key, "unknown run option");
  }
  const limits = { ...defaults };
  for (const key of LIMIT_KEYS) {
    const v = o[key];
    if (v !== undefined) {
      checkLimit(key, v, "");
      limits[key] = v;
    }
  }
  const filename = o.filename ?? "main.js";
  if (typeof filename !== "string" || filename === "" || filename.includes("\0")) {
    throw new InvalidOptionError("filename", "expected a non-empty string without NUL");
  }
  const args = o.args ?? [];
  if (!Array.isArray(args)) throw new InvalidOptionError("args", "expected an array of strings");
  args.forEach((a, i) => {
    if (typeof a !== "string")
      throw new InvalidOptionError(`args[${i}]`, `expected a string, got ${typeof a}`);
  });
  let stdin: Uint8Array | null = null;
  if (typeof o.stdin === "string") stdin = new TextEncoder().encode(o.stdin);
  else if (o.stdin instanceof Uint8Array) stdin = o.stdin.slice();
  else if (o.stdin !== undefined)
    throw new InvalidOptionError("stdin", "expected a string or Uint8Array");
  const type = o.type ?? "auto";
  if (type !== "script" && type !== "module" && type !== "auto") {
    throw new InvalidOptionError(
      "type",
      `expected "script", "module" or "auto", got ${String(type)}`,
    );
  }
  const module =
    type === "module" ||
    (type === "auto" &&
      (filename.endsWith(".mjs") || (!filename.endsWith(".cjs") && MODULE_SYNTAX.test(code))));
  const env: Record<string, string> = {};
  if (o.env !== undefined) {
    if (!isObject(o.env)) throw new InvalidOptionError("env", "expected an object of strings");
    for (const [k, v] of Object.entries(o.env)) {
      if (typeof v !== "string")
        throw new InvalidOptionError(`env.${k}`, `expected a string, got ${typeof v}`);
      env[k] = v;
    }
  }
  for (const key of ["onStdout", "onStderr"] as const) {
    if (o[key] !== undefined && typeof o[key] !== "function")
      throw new InvalidOptionError(key, "expected a function");
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new InvalidOptionError("signal", "expected an AbortSignal");
  }
  return { limits, filename, args: [...args], stdin, module, env };
}
