/** Policy tiers: each expands to documented defaults (see `tiers.ts` and the README). */
export type PolicyTier = "strict" | "standard" | "extended" | "agent";

/** Resource limits of one sandbox run. Sizes are bytes; 0 in `max_instructions` means no budget. */
export interface RuntimeLimits {
  /** Maximum JS stack of the engine, bytes. */
  readonly stack_size: number;
  /** Maximum engine heap (QuickJS memory limit), bytes. */
  readonly heap_size: number;
  /** Maximum WebAssembly linear memory, in 64 KiB pages. */
  readonly max_memory_pages: number;
  /** Interrupt-checked instruction budget (approximate: counted per interrupt poll); 0 = none. */
  readonly max_instructions: number;
  /** Wall-clock deadline of one run, milliseconds. */
  readonly timeout_ms: number;
  /** Total bytes a run may write to stdout + stderr. */
  readonly max_output_bytes: number;
}

/** A host directory granted to the sandbox. `path` is absolute, normalised, with `~`/`$HOME`/`$PWD` expanded. */
export interface DirGrant {
  readonly path: string;
  readonly read: boolean;
  readonly write: boolean;
  readonly execute: boolean;
}

export interface DaemonSettings {
  readonly pool_size: number;
  readonly exec_timeout_ms: number;
  readonly port: number;
}

/** A fully resolved, deeply frozen Airlock config: every field present, tier defaults applied. */
export interface AirlockConfig {
  readonly name: string;
  readonly policy: PolicyTier;
  readonly runtime: RuntimeLimits;
  readonly dirs: readonly DirGrant[];
  /** Names of host environment variables passed through to the sandbox. */
  readonly env: readonly string[];
  /** Commands (basenames) the sandbox may spawn; `denyCommands` wins. */
  readonly allowCommands: readonly string[];
  readonly denyCommands: readonly string[];
  /** Per-command rules: `true` = any arguments, a list = only these subcommands (first argv word). */
  readonly commands: Readonly<Record<string, true | readonly string[]>>;
  /** URL globs the sandbox may fetch; empty = nothing. `*` alone allows every URL. `blockedUrls` wins. */
  readonly allowedUrls: readonly string[];
  readonly blockedUrls: readonly string[];
  /** Allow private, loopback, link-local and metadata addresses (denied by default). */
  readonly allowPrivateNetwork: boolean;
  /** Outgoing requests per second; 0 = unlimited. */
  readonly rateLimitRps: number;
  /** Concurrent outgoing connections. */
  readonly maxConnections: number;
  readonly daemon: DaemonSettings;
  /** Where this config came from (absolute path), or null when built from defaults/an object. */
  readonly source: string | null;
}
