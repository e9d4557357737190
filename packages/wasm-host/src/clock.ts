/**
 * Clocks from `process.hrtime`, which is built in: the `performance` global loads node's
 * perf_hooks modules on first use, ~2 ms of a cold `airlock run` under the CLI's V8 flags
 * (node compiles them from source there).
 */
const hr0 = process.hrtime.bigint();
const wall0 = Date.now();

/** Monotonic milliseconds (fractional) since this module loaded, like `performance.now()`. */
export const monoNow = (): number => Number(process.hrtime.bigint() - hr0) / 1e6;

/** Wall-clock milliseconds with sub-millisecond steps that never go back, like `performance.timeOrigin + performance.now()`. */
export const wallNow = (): number => wall0 + monoNow();
