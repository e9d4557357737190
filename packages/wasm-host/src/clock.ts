/**
 * Clocks from `process.hrtime`, which is built in: the `performance` global loads node's
 * perf_hooks modules on first use, ~2 ms of a cold `airlock run` under the CLI's V8 flags
 * (node compiles them from source there).
 */
const hr0 = process.hrtime.bigint();
const wall0 = Date.now();

/** Monotonic milliseconds (fractional) since this module loaded, like `performance.now()`. */
export const monoNow = (): number => Number(process.hrtime.bigint() - hr0) / 1e6;

/**
 * Wall-clock milliseconds with sub-millisecond steps that never go back (the guest's clock, run
 * deadlines). Anchored to `Date.now()` when this module loaded, so within a millisecond of
 * {@link epochNow} but not equal to it: never compare the two.
 */
export const wallNow = (): number => wall0 + monoNow();

/**
 * `performance.timeOrigin + performance.now()`: epoch milliseconds on the clock every thread's
 * `performance` shares, for timestamps compared across threads (a served request's start). It
 * loads perf_hooks on first use: servers only.
 */
export const epochNow = (): number => performance.timeOrigin + performance.now();
