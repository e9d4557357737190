// @ts-nocheck — this function runs inside the guest (QuickJS), not in Node; see prelude.ts.
/**
 * Guest half of the event loop: timer/immediate/nextTick queues and unhandled-rejection
 * tracking. The host (worker/loop.ts) owns real time: it asks `internals.loop.state()` when the
 * next timer is due, sleeps on a host timer, then runs one callback at a time through
 * `runTimer` / `runImmediate`, draining nextTicks and microtasks after each — Node's order.
 */
export function installLoop(g, host, internals) {
  const timers = new Map(); // id -> { fn, args, when, repeat, seq, ref }
  let immediates = []; // { id, fn, args, ref }
  let ticks = [];
  let nextId = 1;
  let seq = 0;

  class Timeout {
    constructor(id) {
      this._id = id;
    }
    ref() {
      const t = timers.get(this._id);
      if (t) t.ref = true;
      return this;
    }
    unref() {
      const t = timers.get(this._id);
      if (t) t.ref = false;
      return this;
    }
    hasRef() {
      return timers.get(this._id)?.ref ?? false;
    }
    refresh() {
      const t = timers.get(this._id);
      if (t) t.when = internals.now() + t.delay;
      return this;
    }
    close() {
      timers.delete(this._id);
      return this;
    }
    [Symbol.toPrimitive]() {
      return this._id;
    }
  }
  class Immediate {
    constructor(id) {
      this._id = id;
    }
    ref() {
      return this;
    }
    unref() {
      return this;
    }
    hasRef() {
      return true;
    }
  }
  const checkFn = (fn) => {
    if (typeof fn !== "function") {
      const e = new TypeError(
        `The "callback" argument must be of type function. Received ${internals.inspect(fn)}`,
      );
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
  };
  const addTimer = (fn, ms, args, repeat) => {
    checkFn(fn);
    let delay = Number(ms);
    if (!(delay >= 1 && delay <= 2147483647)) delay = 1;
    const id = nextId++;
    timers.set(id, {
      fn,
      args,
      delay,
      when: internals.now() + delay,
      repeat,
      seq: seq++,
      ref: true,
    });
    return new Timeout(id);
  };
  const idOf = (t) =>
    t instanceof Timeout || t instanceof Immediate ? t._id : typeof t === "number" ? t : Number(t);

  g.setTimeout = (fn, ms, ...args) => addTimer(fn, ms, args, false);
  g.setInterval = (fn, ms, ...args) => addTimer(fn, ms, args, true);
  g.clearTimeout = (t) => {
    if (t != null) timers.delete(idOf(t));
  };
  g.clearInterval = g.clearTimeout;
  g.setImmediate = (fn, ...args) => {
    checkFn(fn);
    const id = nextId++;
    immediates.push({ id, fn, args });
    return new Immediate(id);
  };
  g.clearImmediate = (t) => {
    if (t == null) return;
    const id = idOf(t);
    immediates = immediates.filter((i) => i.id !== id);
  };
  g.queueMicrotask = (fn) => {
    checkFn(fn);
    NativePromise.resolve().then(() => fn());
  };
  internals.nextTick = (fn, args) => {
    checkFn(fn);
    ticks.push({ fn, args });
  };
  internals.nextMacrotask = (fn) => g.setImmediate(fn);

  // Unhandled rejections. The engine's rejection tracker is not reachable through the FFI, so
  // promises are tracked from the guest: `Promise` becomes a subclass whose reject is observed,
  // and `then` (which catch/finally/await-of-subclass use) marks a promise handled. Promises
  // created inside the engine (async function results) are not visible here; see README.
  const NativePromise = Promise;
  const nativeThen = NativePromise.prototype.then;
  const handled = new WeakSet();
  let rejected = []; // { box, reason }
  NativePromise.prototype.then = function then(onFulfilled, onRejected) {
    handled.add(this);
    return nativeThen.call(this, onFulfilled, onRejected);
  };
  const TrackedPromise = class Promise extends NativePromise {
    constructor(executor) {
      checkFn(executor);
      const box = { p: undefined };
      let rejectFn;
      super((resolve, reject) => {
        rejectFn = (reason) => {
          rejected.push({ box, reason });
          reject(reason);
        };
        try {
          executor(resolve, rejectFn);
        } catch (e) {
          rejectFn(e);
        }
      });
      box.p = this;
    }
    static [Symbol.hasInstance](v) {
      return v instanceof NativePromise;
    }
  };
  Object.defineProperty(g, "Promise", {
    value: TrackedPromise,
    writable: true,
    configurable: true,
    enumerable: false,
  });

  const callEach = (fn, args) => fn(...(args ?? []));

  internals.loop = {
    /** "[nextTimerWhen|-1, anyRefTimer(0/1), immediates, ticks]" */
    state() {
      let when = -1;
      let ref = 0;
      for (const t of timers.values()) {
        if (when < 0 || t.when < when) when = t.when;
        if (t.ref) ref = 1;
      }
      return `[${when},${ref},${immediates.length},${ticks.length}]`;
    },
    /** Runs the earliest timer due at `now`; 1 if one ran. */
    runTimer(now) {
      let best;
      for (const [id, t] of timers) {
        if (
          t.when <= now &&
          (best === undefined ||
            t.when < best[1].when ||
            (t.when === best[1].when && t.seq < best[1].seq))
        )
          best = [id, t];
      }
      if (best === undefined) return 0;
      const [id, t] = best;
      if (t.repeat) {
        t.when = Math.max(now, t.when) + t.delay;
        t.seq = seq++;
      } else timers.delete(id);
      callEach(t.fn, t.args);
      return 1;
    },
    /** Runs the first queued immediate; 1 if one ran. */
    runImmediate() {
      const i = immediates.shift();
      if (i === undefined) return 0;
      callEach(i.fn, i.args);
      return 1;
    },
    /** Runs queued nextTick callbacks; the host drains microtasks after. 1 if any ran. */
    runTicks() {
      if (ticks.length === 0) return 0;
      while (ticks.length > 0) {
        const t = ticks.shift();
        callEach(t.fn, t.args);
      }
      return 1;
    },
    /** The first rejection still unhandled after the microtask queue drained, as a report. */
    takeUnhandled() {
      const list = rejected;
      rejected = [];
      for (const r of list) {
        if (r.box.p !== undefined && !handled.has(r.box.p)) return internals.report(r.reason, true);
      }
      return "";
    },
    /** Forget timers and queues (keepState: start the next run clean). */
    reset() {
      timers.clear();
      immediates = [];
      ticks = [];
      rejected = [];
    },
  };
}
