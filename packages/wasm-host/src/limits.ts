import type { AirlockConfig } from "@airlock/config";
import { InvalidOptionError } from "./errors.js";
import type { RunLimits } from "./types.js";

/** Exit codes of the non-`ok` statuses (shell conventions: 124 timeout, 137 SIGKILL, 130 SIGINT). */
export const EXIT_CODES = Object.freeze({
  timeout: 124,
  out_of_memory: 137,
  output_limit: 125,
  killed: 130,
  error: 1,
} as const);

/** One wasm page. The engine's module declares 256 pages (16 MiB) as its minimum. */
export const WASM_PAGE = 65536;
export const MIN_MEMORY_PAGES = 256;
/** Above this QuickJS's stack outgrows the engine's own shadow stack (measured: 8 MiB breaks). */
export const MAX_STACK_BYTES = 4 * 1024 * 1024;

/** Static data, the engine's stack and the prelude's heap come before the guest's heap. */
const ENGINE_BASE_BYTES = 8 * 1024 * 1024;

/**
 * The wasm memory maximum an instance gets for `limits`: `maxMemoryPages`, but no more than the
 * heap limit needs. The engine's own memory limit does not count bytes (the build has no
 * `malloc_usable_size`), so the guest heap is checked from the host between bytecodes (the
 * sbrk break); this cap is the hard bound for one allocation between two checks.
 */
export function enginePages(limits: Pick<RunLimits, "heapBytes" | "maxMemoryPages">): number {
  const forHeap = Math.ceil((limits.heapBytes + ENGINE_BASE_BYTES) / WASM_PAGE);
  return Math.min(limits.maxMemoryPages, Math.max(MIN_MEMORY_PAGES, forHeap));
}

/** Used when neither a config nor overrides give a value. */
export const DEFAULT_LIMITS: Readonly<RunLimits> = Object.freeze({
  timeoutMs: 5_000,
  heapBytes: 64 * 1024 * 1024,
  stackBytes: 1024 * 1024,
  maxMemoryPages: 2048,
  maxInstructions: 0,
  maxOutputBytes: 1024 * 1024,
});

/** The run limits a resolved config asks for. */
export function runLimitsFromConfig(config: AirlockConfig): RunLimits {
  const r = config.runtime;
  return validateLimits(
    {
      timeoutMs: r.timeout_ms,
      heapBytes: r.heap_size,
      stackBytes: r.stack_size,
      maxMemoryPages: r.max_memory_pages,
      maxInstructions: r.max_instructions,
      maxOutputBytes: r.max_output_bytes,
    },
    "config.runtime",
  );
}

const BOUNDS: Record<keyof RunLimits, [min: number, max: number, hint: string]> = {
  timeoutMs: [1, 24 * 3600 * 1000, "milliseconds, 1..86400000"],
  heapBytes: [256 * 1024, 4 * 1024 ** 3, "bytes, 256 KiB..4 GiB"],
  stackBytes: [16 * 1024, MAX_STACK_BYTES, "bytes, 16 KiB..4 MiB"],
  // The engine module declares 32768 pages (2 GiB) as its maximum.
  maxMemoryPages: [MIN_MEMORY_PAGES, 32768, "64 KiB pages, 256..32768"],
  maxInstructions: [0, Number.MAX_SAFE_INTEGER, "0 (no budget) or more"],
  maxOutputBytes: [0, 2 ** 31, "bytes, 0..2 GiB"],
};

/** Checks every field of `limits` is an integer in range; `where` prefixes the field name. */
export function validateLimits(limits: RunLimits, where: string): RunLimits {
  for (const key of Object.keys(BOUNDS) as (keyof RunLimits)[]) {
    checkLimit(key, limits[key], where);
  }
  return limits;
}

export function checkLimit(key: keyof RunLimits, value: unknown, where: string): void {
  const [min, max, hint] = BOUNDS[key];
  const field = where ? `${where}.${key}` : key;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(field, `expected an integer in ${hint}, got ${String(value)}`);
  }
}

export const LIMIT_KEYS = Object.keys(BOUNDS) as (keyof RunLimits)[];
