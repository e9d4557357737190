/**
 * The `runtime` section resolved against a tier, and the cross-field rules the engine imposes.
 * Zod-free: both `resolveConfig` (after the schema has checked each field) and the start-up path
 * of `@airlock/config/defaults` (limits from command-line flags) use it.
 */
import type { ConfigIssue } from "./issues.js";
import { ENGINE_MAX_PAGES, type TierDefaults } from "./tiers.js";
import type { RuntimeLimits } from "./types.js";

/** Runtime fields already converted to numbers (sizes in bytes); missing ones come from the tier. */
export type RuntimeInput = Partial<RuntimeLimits>;

/** Applies `r` over the tier's runtime; problems go to `issues` (fields named `runtime.*`). */
export function resolveRuntime(
  r: RuntimeInput,
  tier: TierDefaults,
  issues: ConfigIssue[],
): RuntimeLimits {
  const heapSize = r.heap_size ?? tier.runtime.heap_size;
  // Unless pages are set explicitly, leave room for the heap plus the engine's own 16 MiB.
  const pagesForHeap = Math.min(ENGINE_MAX_PAGES, Math.ceil(heapSize / 65536) + 256);
  const runtime: RuntimeLimits = {
    stack_size: r.stack_size ?? tier.runtime.stack_size,
    heap_size: heapSize,
    max_memory_pages: r.max_memory_pages ?? Math.max(tier.runtime.max_memory_pages, pagesForHeap),
    max_instructions: r.max_instructions ?? tier.runtime.max_instructions,
    timeout_ms: r.timeout_ms ?? tier.runtime.timeout_ms,
    max_output_bytes: r.max_output_bytes ?? tier.runtime.max_output_bytes,
  };
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
  if (
    !Number.isInteger(runtime.timeout_ms) ||
    runtime.timeout_ms < 1 ||
    runtime.timeout_ms > 86_400_000
  ) {
    issues.push({
      field: "runtime.timeout_ms",
      message: "must be an integer from 1 to 86400000 (milliseconds)",
    });
  }
  return runtime;
}
