/**
 * The serialisable part of an `AirlockConfig` that grants capabilities. It crosses to the worker
 * inside each run request (functions and host objects cannot), and the worker builds the vfs,
 * the egress policy and the command rules from it.
 */
import type { AirlockConfig } from "@airlock/config";

export interface CapabilityConfig {
  dirs: { path: string; read: boolean; write: boolean; execute: boolean }[];
  allowCommands: string[];
  denyCommands: string[];
  commands: Record<string, true | string[]>;
  allowedUrls: string[];
  blockedUrls: string[];
  allowPrivateNetwork: boolean;
  rateLimitRps: number;
  maxConnections: number;
}

/** Deny by default: no dirs, no commands, no URLs. */
export const NO_CAPABILITIES: CapabilityConfig = {
  dirs: [],
  allowCommands: [],
  denyCommands: [],
  commands: {},
  allowedUrls: [],
  blockedUrls: [],
  allowPrivateNetwork: false,
  rateLimitRps: 0,
  maxConnections: 0,
};

/** Copies the capability grants of `config` into plain data (undefined → nothing granted). */
export function capabilitiesFromConfig(config: AirlockConfig | undefined): CapabilityConfig {
  if (config === undefined) return NO_CAPABILITIES;
  const commands: Record<string, true | string[]> = {};
  for (const [name, rule] of Object.entries(config.commands ?? {}))
    commands[name] = rule === true ? true : [...rule];
  return {
    dirs: (config.dirs ?? []).map((d) => ({
      path: d.path,
      read: d.read,
      write: d.write,
      execute: d.execute,
    })),
    allowCommands: [...(config.allowCommands ?? [])],
    denyCommands: [...(config.denyCommands ?? [])],
    commands,
    allowedUrls: [...(config.allowedUrls ?? [])],
    blockedUrls: [...(config.blockedUrls ?? [])],
    allowPrivateNetwork: config.allowPrivateNetwork === true,
    rateLimitRps: config.rateLimitRps ?? 0,
    maxConnections: config.maxConnections ?? 0,
  };
}
