/**
 * Entry point `@airlock/config/defaults`: a tier's resolved defaults without loading the schema
 * library (zod) or the JSON parser. `airlock run` with no config file and no flags needs nothing
 * else, and importing the full package costs tens of milliseconds of module loading it would pay
 * on every start. The values are derived from {@link TIERS} the same way `resolveConfig` applies a
 * tier; `test/defaults.test.ts` checks that they equal `defaultConfig()` for every tier.
 */
import { homedir } from "node:os";
import { expandDirPath } from "./paths.js";
import { ConfigValidationError } from "./errors.js";
import { resolveRuntime, type RuntimeInput } from "./runtime.js";
import { DEFAULT_TIER, TIERS } from "./tiers.js";
import type { AirlockConfig, DirGrant, PolicyTier } from "./types.js";
import { deepFreeze } from "./deep-freeze.js";

export { CONFIG_FILE_NAMES, findConfigFile } from "./find.js";
export { parseSize } from "./size.js";
export { TIERS, POLICY_TIERS, DEFAULT_TIER } from "./tiers.js";
export type { TierDefaults } from "./tiers.js";
export type { AirlockConfig, PolicyTier } from "./types.js";

/** Where a tier's `$PWD`/`$HOME` dirs point. Defaults: `process.cwd()` and `os.homedir()`. */
export interface TierConfigOptions {
  cwd?: string;
  home?: string;
}

/** Tiers whose dirs do not depend on the cwd/home are built once per process. */
const cache = new Map<PolicyTier, AirlockConfig>();

/**
 * The fully resolved config of a policy tier with nothing configured: what `defaultConfig(policy)`
 * returns (and what `loadConfig()` returns when there is no config file), deeply frozen, without
 * validating anything, because the tier table is ours, not user input.
 *
 * @example
 * import { findConfigFile, tierConfig } from "@airlock/config/defaults";
 * const config = findConfigFile(process.cwd()) ? undefined : tierConfig();
 */
export function tierConfig(
  policy: PolicyTier = DEFAULT_TIER,
  options: TierConfigOptions = {},
): AirlockConfig {
  const tier = TIERS[policy];
  if (tier === undefined) throw new TypeError(`unknown policy tier ${JSON.stringify(policy)}`);
  const cached = cache.get(policy);
  if (cached !== undefined) return cached;
  const ctx = { cwd: options.cwd ?? process.cwd(), home: options.home ?? homedir() };
  const dirs: DirGrant[] = tier.dirs.map((d) => {
    const expanded = expandDirPath(d.path, ctx);
    // The tier table only uses $PWD/$HOME, which always expand to an absolute path.
    if ("error" in expanded) throw new Error(`tier ${policy}: dirs ${d.path} ${expanded.error}`);
    return { path: expanded.path, read: d.read, write: d.write, execute: d.execute };
  });
  const config: AirlockConfig = deepFreeze({
    name: "airlock-app",
    policy,
    // As resolveConfig: unless pages are set, room for the heap plus the engine's own 16 MiB.
    runtime: resolveRuntime({}, tier, []),
    dirs,
    env: [...tier.env],
    allowCommands: [...tier.allowCommands],
    denyCommands: [...tier.denyCommands],
    commands: {},
    allowedUrls: [...tier.allowedUrls],
    blockedUrls: [],
    allowPrivateNetwork: false,
    rateLimitRps: tier.rateLimitRps,
    maxConnections: tier.maxConnections,
    daemon: { pool_size: 4, exec_timeout_ms: tier.runtime.timeout_ms, port: 8787 },
    source: null,
  });
  if (tier.dirs.length === 0) cache.set(policy, config);
  return config;
}

/**
 * {@link tierConfig} with runtime limits changed (what `airlock run --timeout/--memory/
 * --max-output` does when there is no config file), checked by the same rules as
 * `resolveConfig`, still without the schema library.
 *
 * @throws {ConfigValidationError} a limit the engine cannot honour (`field` names it).
 * @example
 * const config = tierConfigWithLimits({ timeout_ms: 500, heap_size: 32 * 2 ** 20 });
 */
export function tierConfigWithLimits(
  limits: RuntimeInput,
  policy: PolicyTier = DEFAULT_TIER,
  options: TierConfigOptions = {},
): AirlockConfig {
  const base = tierConfig(policy, options);
  const issues: { field: string; message: string }[] = [];
  const runtime = resolveRuntime(limits, TIERS[policy], issues);
  if (issues.length > 0) throw new ConfigValidationError(issues);
  // The tier's lists are frozen already: the new config shares them.
  return deepFreeze({
    ...base,
    runtime,
    daemon: { ...base.daemon, exec_timeout_ms: runtime.timeout_ms },
  });
}
