import type { PolicyTier, RuntimeLimits } from "./types.js";

/** What a tier grants before the file's own fields are applied. `dirs` paths may use `$PWD`/`$HOME`. */
/** The engine module's maximum memory: 32768 WebAssembly pages (2 GiB). */
export const ENGINE_MAX_PAGES = 32768;

export interface TierDefaults {
  readonly runtime: RuntimeLimits;
  readonly dirs: readonly { path: string; read: boolean; write: boolean; execute: boolean }[];
  readonly env: readonly string[];
  readonly allowCommands: readonly string[];
  readonly denyCommands: readonly string[];
  readonly allowedUrls: readonly string[];
  readonly rateLimitRps: number;
  readonly maxConnections: number;
}

const MiB = 1024 * 1024;
const KiB = 1024;

/** Commands no tier allows by default and `agent` denies outright (privilege change, remote shells). */
const ALWAYS_DENIED = ["sudo", "su", "doas", "ssh", "scp", "nc", "ncat", "socat", "telnet"];

/**
 * The four policy tiers. Every tier starts from deny-all for side effects; they differ in how much
 * time and memory a run gets and which capabilities are granted. Fields in the config file override
 * these values one field at a time (a list in the file replaces the tier's list).
 *
 * | tier     | timeout | heap    | output  | network       | files              | commands           |
 * | -------- | ------- | ------- | ------- | ------------- | ------------------ | ------------------ |
 * | strict   | 5 s     | 32 MiB  | 1 MiB   | none          | none               | none               |
 * | standard | 30 s    | 128 MiB | 10 MiB  | none          | none               | none               |
 * | extended | 60 s    | 256 MiB | 50 MiB  | public https  | none               | none               |
 * | agent    | 300 s   | 512 MiB | 100 MiB | public https  | $PWD read/write    | git, ls, cat, grep…|
 */
export const TIERS: Readonly<Record<PolicyTier, TierDefaults>> = {
  strict: {
    runtime: {
      stack_size: 256 * KiB,
      heap_size: 32 * MiB,
      max_memory_pages: 1024,
      max_instructions: 0,
      timeout_ms: 5_000,
      max_output_bytes: 1 * MiB,
    },
    dirs: [],
    env: [],
    allowCommands: [],
    denyCommands: [],
    allowedUrls: [],
    rateLimitRps: 0,
    maxConnections: 1,
  },
  standard: {
    runtime: {
      stack_size: 1 * MiB,
      heap_size: 128 * MiB,
      max_memory_pages: 4096,
      max_instructions: 0,
      timeout_ms: 30_000,
      max_output_bytes: 10 * MiB,
    },
    dirs: [],
    env: [],
    allowCommands: [],
    denyCommands: [],
    allowedUrls: [],
    rateLimitRps: 0,
    maxConnections: 4,
  },
  extended: {
    runtime: {
      stack_size: 1 * MiB,
      heap_size: 256 * MiB,
      max_memory_pages: 8192,
      max_instructions: 0,
      timeout_ms: 60_000,
      max_output_bytes: 50 * MiB,
    },
    dirs: [],
    env: [],
    allowCommands: [],
    denyCommands: [],
    allowedUrls: ["https://**"],
    rateLimitRps: 10,
    maxConnections: 8,
  },
  agent: {
    runtime: {
      stack_size: 2 * MiB,
      heap_size: 512 * MiB,
      max_memory_pages: 16384,
      max_instructions: 0,
      timeout_ms: 300_000,
      max_output_bytes: 100 * MiB,
    },
    dirs: [{ path: "$PWD", read: true, write: true, execute: false }],
    env: [],
    allowCommands: [
      "git",
      "ls",
      "cat",
      "head",
      "tail",
      "wc",
      "grep",
      "find",
      "sort",
      "diff",
      "echo",
    ],
    denyCommands: ALWAYS_DENIED,
    allowedUrls: ["https://**"],
    rateLimitRps: 20,
    maxConnections: 16,
  },
};

export const POLICY_TIERS = Object.keys(TIERS) as PolicyTier[];
export const DEFAULT_TIER: PolicyTier = "standard";
