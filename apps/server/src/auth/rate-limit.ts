/** Decision of {@link SlidingWindowLimiter.hit}. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a request would be allowed again (0 when allowed). */
  retryAfterS: number;
}

/**
 * Per-key sliding-window counter: the previous fixed window's count is weighted by how much of it
 * still overlaps the sliding window. O(1) memory per key, no burst of 2x at a window edge as a plain
 * fixed window allows. `max = 0` disables limiting.
 */
export class SlidingWindowLimiter {
  readonly #buckets = new Map<string, { start: number; current: number; previous: number }>();

  constructor(
    readonly windowMs: number,
    readonly max: number,
    readonly now: () => number = Date.now,
  ) {}

  hit(key: string): RateDecision {
    if (this.max === 0) return { allowed: true, limit: 0, remaining: 0, retryAfterS: 0 };
    const now = this.now();
    const windowStart = now - (now % this.windowMs);
    let b = this.#buckets.get(key);
    if (!b || b.start <= windowStart - 2 * this.windowMs) {
      b = { start: windowStart, current: 0, previous: 0 };
    } else if (b.start < windowStart) {
      b = {
        start: windowStart,
        current: 0,
        previous: b.start === windowStart - this.windowMs ? b.current : 0,
      };
    }
    this.#buckets.set(key, b);
    const overlap = 1 - (now - windowStart) / this.windowMs;
    const estimate = b.previous * overlap + b.current;
    if (estimate + 1 > this.max) {
      const waitMs = this.#waitMs(b, now - windowStart);
      return {
        allowed: false,
        limit: this.max,
        remaining: 0,
        retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)),
      };
    }
    b.current++;
    return {
      allowed: true,
      limit: this.max,
      remaining: Math.max(0, Math.floor(this.max - estimate - 1)),
      retryAfterS: 0,
    };
  }

  /** Smallest wait after which one more request fits, assuming no other request arrives meanwhile. */
  #waitMs(b: { current: number; previous: number }, elapsed: number): number {
    const W = this.windowMs;
    // Still in this window: the previous window's weight must decay enough.
    if (b.current + 1 <= this.max && b.previous > 0) {
      const t = W * (1 - (this.max - b.current - 1) / b.previous) - elapsed;
      if (t <= W - elapsed) return Math.max(1, t);
    }
    // Otherwise after this window ends, when its count has decayed as the previous one.
    const next = W - elapsed;
    return next + Math.max(0, W * (1 - (this.max - 1) / Math.max(1, b.current)));
  }

  /** Drops buckets idle for two windows; called periodically so memory stays bounded by active keys. */
  sweep(): void {
    const cutoff = this.now() - 2 * this.windowMs;
    for (const [k, b] of this.#buckets) if (b.start < cutoff) this.#buckets.delete(k);
  }
}
