import { EgressLimitError } from "./errors.js";

/** Frees what `acquire()` took. Idempotent; also a `Disposable`, so `using release = await …` works. */
export type Release = (() => void) & Disposable;

export interface AcquireOptions {
  /** Longest wait for a token and a slot together; defaults to the policy's `maxWaitMs`. */
  readonly maxWaitMs?: number;
  /** Abort the wait; the promise rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

export interface LimiterSettings {
  /** Requests per second, token bucket with a one-second burst; 0 = unlimited. */
  readonly rateLimitRps: number;
  /** Concurrent connections; 0 = unlimited. */
  readonly maxConnections: number;
  readonly maxWaitMs: number;
  /** How many callers may wait at once (per limit) before new ones are refused outright. */
  readonly maxWaiters: number;
}

interface Waiter {
  grant(): void;
}

/**
 * Rate limit + connection cap. Waiting is always bounded twice over: in time (`maxWaitMs`, after
 * which the caller gets `EgressLimitError`) and in length (`maxWaiters`), so a guest that floods
 * `fetch` gets errors, not an ever-growing queue in the host.
 */
export class EgressLimiter {
  readonly #settings: LimiterSettings;
  #tokens: number;
  #refilledAt = Date.now();
  #rateWaiters = 0;
  #active = 0;
  readonly #queue: Waiter[] = [];

  constructor(settings: LimiterSettings) {
    this.#settings = settings;
    this.#tokens = Math.max(1, settings.rateLimitRps);
  }

  async acquire(options: AcquireOptions = {}): Promise<Release> {
    const { signal } = options;
    const maxWaitMs = options.maxWaitMs ?? this.#settings.maxWaitMs;
    signal?.throwIfAborted();
    const start = Date.now();
    await this.#takeToken(maxWaitMs, signal);
    await this.#takeSlot(Math.max(0, maxWaitMs - (Date.now() - start)), signal);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#releaseSlot();
    };
    return Object.assign(release, { [Symbol.dispose]: release });
  }

  async #takeToken(maxWaitMs: number, signal: AbortSignal | undefined): Promise<void> {
    const rps = this.#settings.rateLimitRps;
    if (rps <= 0) return;
    const now = Date.now();
    const capacity = Math.max(1, rps);
    this.#tokens = Math.min(capacity, this.#tokens + ((now - this.#refilledAt) * rps) / 1000);
    this.#refilledAt = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return;
    }
    // Reserve the next token now (the bucket goes negative): later callers queue behind it.
    const waitMs = Math.ceil(((1 - this.#tokens) * 1000) / rps);
    if (waitMs > maxWaitMs) {
      throw new EgressLimitError(
        "rate",
        `rate limit of ${rps} requests/s reached: the next slot is ${waitMs} ms away (max wait ${maxWaitMs} ms); slow down or raise rateLimitRps`,
      );
    }
    if (this.#rateWaiters >= this.#settings.maxWaiters) {
      throw new EgressLimitError(
        "waiters",
        `${this.#rateWaiters} requests already wait for the rate limit; slow down or raise rateLimitRps`,
      );
    }
    this.#tokens -= 1;
    this.#rateWaiters++;
    try {
      await sleep(waitMs, signal);
    } catch (error) {
      this.#tokens += 1; // give the reservation back
      throw error;
    } finally {
      this.#rateWaiters--;
    }
  }

  #takeSlot(maxWaitMs: number, signal: AbortSignal | undefined): Promise<void> | undefined {
    // The signal may have fired while the token wait resolved: check before queueing.
    signal?.throwIfAborted();
    const max = this.#settings.maxConnections;
    if (max <= 0) return undefined;
    if (this.#active < max) {
      this.#active++;
      return undefined;
    }
    if (this.#queue.length >= this.#settings.maxWaiters) {
      throw new EgressLimitError(
        "waiters",
        `${this.#queue.length} requests already wait for a connection; slow down or raise maxConnections`,
      );
    }
    return new Promise<void>((resolve, reject) => {
      const leave = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const at = this.#queue.indexOf(waiter);
        if (at >= 0) this.#queue.splice(at, 1);
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          resolve();
        },
      };
      const onAbort = (): void => {
        leave();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        leave();
        reject(
          new EgressLimitError(
            "connections",
            `all ${max} connections stayed busy for ${maxWaitMs} ms; close responses sooner or raise maxConnections`,
          ),
        );
      }, maxWaitMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #releaseSlot(): void {
    if (this.#settings.maxConnections <= 0) return;
    const next = this.#queue.shift();
    if (next)
      next.grant(); // hand the slot over: #active stays the same
    else this.#active--;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
