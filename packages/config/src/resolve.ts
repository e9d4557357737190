import { homedir } from "node:os";
import { basename, dirname } from "node:path";
import { ConfigValidationError } from "./errors.js";
import { toConfigIssues, type ConfigIssue } from "./issues.js";
import { expandDirPath, type PathContext } from "./paths.js";
import { configFileSchema, type ConfigFile } from "./schema.js";
import { parseSize } from "./size.js";
import { DEFAULT_TIER, ENGINE_MAX_PAGES, TIERS } from "./tiers.js";
import type { AirlockConfig, DirGrant, PolicyTier, RuntimeLimits } from "./types.js";

/** Options for resolving a config: where `$HOME`/`$PWD` point and which file it came from. */
export interface ResolveOptions {
  /** Directory `$PWD` expands to. Default: `process.cwd()`. */
  cwd?: string;
  /** Directory `~`/`$HOME` expand to. Default: `os.homedir()`. */
  home?: string;
  /** Absolute path of the source file, recorded in `source` and used in error messages. */
  source?: string;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function resolveDirs(
  dirs: NonNullable<ConfigFile["dirs"]> | readonly DirGrant[],
  ctx: PathContext,
  issues: ConfigIssue[],
): DirGrant[] {
  const out: DirGrant[] = [];
  dirs.forEach((entry, i) => {
    const spec = typeof entry === "string" ? { path: entry } : entry;
    const field = typeof entry === "string" ? `dirs[${i}]` : `dirs[${i}].path`;
    const expanded = expandDirPath(spec.path, ctx);
    if ("error" in expanded) {
      issues.push({ field, message: expanded.error });
      return;
    }
    out.push({
      path: expanded.path,
      read: spec.read ?? true,
      write: spec.write ?? false,
      execute: spec.execute ?? false,
    });
  });
  return out;
}

/**
 * Validates a parsed config object (the content of `airlock.json`), applies the policy tier's defaults,
 * expands paths, and returns a deeply frozen {@link AirlockConfig}.
 *
 * @throws ConfigValidationError naming the first bad field (all of them in `issues`).
 * @example
 * const config = resolveConfig({ policy: "strict", runtime: { timeout_ms: 1000 } });
 * config.runtime.heap_size; // 33554432 (strict tier default)
 */
export function resolveConfig(input: unknown, options: ResolveOptions = {}): AirlockConfig {
  const file = options.source;
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new ConfigValidationError(
      [
        {
          field: "(root)",
          message: `must be a JSON object like { "policy": "standard" }; got ${input === null ? "null" : Array.isArray(input) ? "an array" : typeof input}`,
        },
      ],
      file,
    );
  }
  // A config is JSON data. Copying through JSON drops getters, prototypes and functions a caller's
  // object may carry, so validation only ever sees plain data (and cannot be tricked by a Proxy).
  let data: unknown;
  try {
    data = JSON.parse(JSON.stringify(input));
  } catch {
    throw new ConfigValidationError(
      [
        {
          field: "(root)",
          message: "must be plain JSON data (no cycles, BigInts or throwing getters)",
        },
      ],
      file,
    );
  }
  const parsed = configFileSchema.safeParse(data);
  if (!parsed.success) throw new ConfigValidationError(toConfigIssues(parsed.error, data), file);
  const cfg = parsed.data;
  const ctx: PathContext = { cwd: options.cwd ?? process.cwd(), home: options.home ?? homedir() };
  const policy: PolicyTier = cfg.policy ?? DEFAULT_TIER;
  const tier = TIERS[policy];
  const issues: ConfigIssue[] = [];

  const r = cfg.runtime ?? {};
  const sizeOr = (v: number | string | undefined, d: number) =>
    v === undefined ? d : parseSize(v)!;
  const heapSize = sizeOr(r.heap_size, tier.runtime.heap_size);
  // Unless pages are set explicitly, leave room for the heap plus the engine's own 16 MiB.
  const pagesForHeap = Math.min(ENGINE_MAX_PAGES, Math.ceil(heapSize / 65536) + 256);
  const runtime: RuntimeLimits = {
    stack_size: sizeOr(r.stack_size, tier.runtime.stack_size),
    heap_size: heapSize,
    max_memory_pages: r.max_memory_pages ?? Math.max(tier.runtime.max_memory_pages, pagesForHeap),
    max_instructions: r.max_instructions ?? tier.runtime.max_instructions,
    timeout_ms: r.timeout_ms ?? tier.runtime.timeout_ms,
    max_output_bytes: sizeOr(r.max_output_bytes, tier.runtime.max_output_bytes),
  };
  // Cross-field rules: limits the engine could never honour together.
  if (runtime.stack_size < 16 * 1024) {
    issues.push({
      field: "runtime.stack_size",
      message: "must be at least 16kb; the engine needs some stack",
    });
  }
  if (runtime.heap_size < 1024 * 1024) {
    issues.push({
      field: "runtime.heap_size",
      message: "must be at least 1mb; the engine's own objects need it",
    });
  }
  if (runtime.heap_size > (ENGINE_MAX_PAGES - 256) * 65536) {
    issues.push({
      field: "runtime.heap_size",
      message: "must be at most 2032mb (the engine's 2 GiB of memory less its own 16 MiB)",
    });
  } else if (runtime.heap_size > runtime.max_memory_pages * 65536) {
    issues.push({
      field: "runtime.max_memory_pages",
      message: `${runtime.max_memory_pages} pages (${runtime.max_memory_pages * 64} KiB) is smaller than heap_size; raise it to at least ${Math.ceil(runtime.heap_size / 65536)} or lower heap_size`,
    });
  }

  const dirs = resolveDirs(cfg.dirs ?? tier.dirs, ctx, issues);
  const daemon = {
    pool_size: cfg.daemon?.pool_size ?? 4,
    exec_timeout_ms: cfg.daemon?.exec_timeout_ms ?? runtime.timeout_ms,
    port: cfg.daemon?.port ?? 8787,
  };
  if (issues.length > 0) throw new ConfigValidationError(issues, file);

  const config: AirlockConfig = {
    name: cfg.name ?? (file ? basename(dirname(file)) : "airlock-app"),
    policy,
    runtime,
    dirs,
    env: [...(cfg.env ?? tier.env)],
    allowCommands: [...(cfg.allowCommands ?? tier.allowCommands)],
    denyCommands: [...(cfg.denyCommands ?? tier.denyCommands)],
    commands: { ...(cfg.commands ?? {}) },
    allowedUrls: [...(cfg.allowedUrls ?? tier.allowedUrls)],
    blockedUrls: [...(cfg.blockedUrls ?? [])],
    allowPrivateNetwork: cfg.allowPrivateNetwork ?? false,
    rateLimitRps: cfg.rateLimitRps ?? tier.rateLimitRps,
    maxConnections: cfg.maxConnections ?? tier.maxConnections,
    daemon,
    source: file ?? null,
  };
  return deepFreeze(config);
}

/** The resolved defaults of a tier (no file): what a sandbox gets when nobody configured anything. */
export function defaultConfig(
  policy: PolicyTier = DEFAULT_TIER,
  options: ResolveOptions = {},
): AirlockConfig {
  return resolveConfig({ policy }, options);
}
