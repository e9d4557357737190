import type { AirlockConfig } from "@airlock/config";
import {
  findConfigFile,
  parseSize,
  tierConfig,
  tierConfigWithLimits,
} from "@airlock/config/defaults";
import { parseDuration } from "./duration.js";
import { UsageError } from "./output.js";

/** Flags of `airlock run` that change the config (limits and capability grants). */
export interface RunFlags {
  config?: string;
  timeout?: string;
  memory?: string;
  maxOutput?: string;
  allowRead?: string[];
  allowWrite?: string[];
  allowNet?: string[];
  allowEnv?: string[];
  allowCommand?: string[];
}

/** Whether any flag adds a grant (dirs, URLs, env, commands: validated by the full schema). */
const grantsChanged = (flags: RunFlags): boolean =>
  [flags.allowRead, flags.allowWrite, flags.allowNet, flags.allowEnv, flags.allowCommand].some(
    (list) => list !== undefined && list.length > 0,
  );

/** Whether any flag changes the config (then it has to go through validation). */
const changesConfig = (flags: RunFlags): boolean =>
  flags.config !== undefined ||
  flags.timeout !== undefined ||
  flags.memory !== undefined ||
  flags.maxOutput !== undefined ||
  grantsChanged(flags);

/**
 * The config a run uses: the file (`--config`, else ./airlock.json or ./.edgebox.json, else the standard
 * tier) with the command-line flags applied on top. Flags only add grants or change limits; the result goes
 * through the same validation as a file, so a bad flag value gets the same field-naming error. With no
 * file and no such flag, it is the standard tier's defaults (equal to what the loader would return).
 */
export async function configForRun(flags: RunFlags, cwd: string): Promise<AirlockConfig> {
  const size = (flag: string, text: string): number => {
    const bytes = parseSize(text);
    if (bytes === undefined || bytes === 0) {
      throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a size like 32mb or 1048576`);
    }
    return bytes;
  };
  // No file: the tier's defaults, with only limits changed or nothing at all, need no schema
  // library (loading it costs tens of ms of every start).
  if (flags.config === undefined && !grantsChanged(flags) && findConfigFile(cwd) === undefined) {
    if (!changesConfig(flags)) return tierConfig(undefined, { cwd });
    return tierConfigWithLimits(
      {
        ...(flags.timeout !== undefined
          ? { timeout_ms: parseDuration("--timeout", flags.timeout) }
          : {}),
        ...(flags.memory !== undefined ? { heap_size: size("--memory", flags.memory) } : {}),
        ...(flags.maxOutput !== undefined
          ? { max_output_bytes: size("--max-output", flags.maxOutput) }
          : {}),
      },
      undefined,
      { cwd },
    );
  }
  const { loadConfig, resolveConfig } = await import("@airlock/config");
  const base = loadConfig(flags.config, { cwd });
  const { source, ...input } = base;
  const runtime: Record<string, number> = { ...base.runtime };
  if (flags.timeout !== undefined) runtime.timeout_ms = parseDuration("--timeout", flags.timeout);
  if (flags.memory !== undefined) {
    runtime.heap_size = size("--memory", flags.memory);
    // Let the loader derive wasm pages from the new heap unless the file pinned them.
    delete runtime.max_memory_pages;
  }
  if (flags.maxOutput !== undefined)
    runtime.max_output_bytes = size("--max-output", flags.maxOutput);
  const dirs = [
    ...base.dirs,
    ...(flags.allowRead ?? []).map((path) => ({ path, read: true, write: false })),
    ...(flags.allowWrite ?? []).map((path) => ({ path, read: true, write: true })),
  ];
  return resolveConfig(
    {
      ...input,
      runtime,
      dirs,
      env: [...base.env, ...(flags.allowEnv ?? [])],
      allowedUrls: [...base.allowedUrls, ...(flags.allowNet ?? [])],
      allowCommands: [...base.allowCommands, ...(flags.allowCommand ?? [])],
    },
    { cwd, ...(source ? { source } : {}) },
  );
}

/** The host environment variables the config passes through (`env`), those that are set. */
export function passedEnv(config: AirlockConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of config.env) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
