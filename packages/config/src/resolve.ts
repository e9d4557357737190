import { homedir } from "node:os";
import { basename, dirname } from "node:path";
import { ConfigValidationError } from "./errors.js";
import { toConfigIssues, type ConfigIssue } from "./issues.js";
import { expandDirPath, type PathContext } from "./paths.js";
import { configFileSchema, type ConfigFile } from "./schema.js";
import { parseSize } from "./size.js";
import { resolveRuntime } from "./runtime.js";
import { DEFAULT_TIER, TIERS } from "./tiers.js";
import type { AirlockConfig, DirGrant, PolicyTier, RuntimeLimits } from "./types.js";
import { deepFreeze } from "./deep-freeze.js";

/** Options for resolving a config: where `$HOME`/`$PWD` point and which file it came from. */
export interface ResolveOptions {
  /** Directory `$PWD` expands to. Default: `process.cwd()`. */
  cwd?: string;
  /** Directory `~`/`$HOME` expand to. Default: `os.homedir()`. */
  home?: string;
  /** Absolute path of the source file, recorded in `source` and used in error messages. */
  source?: string;
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
  const size = (v: number | string | undefined) => (v === undefined ? undefined : parseSize(v)!);
  // Cross-field rules (limits the engine could never honour together) live with the defaults.
  const runtime = resolveRuntime(
    {
      ...(r.stack_size !== undefined ? { stack_size: size(r.stack_size)! } : {}),
      ...(r.heap_size !== undefined ? { heap_size: size(r.heap_size)! } : {}),
      ...(r.max_memory_pages !== undefined ? { max_memory_pages: r.max_memory_pages } : {}),
      ...(r.max_instructions !== undefined ? { max_instructions: r.max_instructions } : {}),
      ...(r.timeout_ms !== undefined ? { timeout_ms: r.timeout_ms } : {}),
      ...(r.max_output_bytes !== undefined ? { max_output_bytes: size(r.max_output_bytes)! } : {}),
    },
    tier,
    issues,
  );

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
