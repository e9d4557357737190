// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first require (see require.ts).
/** `events`: Node's EventEmitter (error semantics, once/prepend/off, `events.once` promise). */
export function nodeEvents(module, exports, require, internals) {
  const kCapture = Symbol("kCapture");
  function checkListener(fn) {
    if (typeof fn !== "function") {
      const e = new TypeError(
        `The "listener" argument must be of type function. Received ${internals.inspect(fn)}`,
      );
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
  }
  class EventEmitter {
    constructor(opts) {
      EventEmitter.init.call(this, opts);
    }
    static init() {
      if (this._events === undefined || this._events === Object.getPrototypeOf(this)._events) {
        this._events = Object.create(null);
        this._eventsCount = 0;
      }
      this._maxListeners = this._maxListeners || undefined;
    }
    setMaxListeners(n) {
      this._maxListeners = n;
      return this;
    }
    getMaxListeners() {
      return this._maxListeners === undefined
        ? EventEmitter.defaultMaxListeners
        : this._maxListeners;
    }
    emit(type, ...args) {
      const events = this._events;
      if (type === "error" && (events === undefined || events.error === undefined)) {
        const er = args[0];
        if (events !== undefined && events[EventEmitter.errorMonitor] !== undefined)
          this.emit(EventEmitter.errorMonitor, ...args);
        if (er instanceof Error) throw er;
        const err = new Error(`Unhandled error. (${internals.inspect(er)})`);
        err.code = "ERR_UNHANDLED_ERROR";
        err.context = er;
        throw err;
      }
      if (events === undefined) return false;
      if (type === "error" && events[EventEmitter.errorMonitor] !== undefined)
        this.emit(EventEmitter.errorMonitor, ...args);
      const handler = events[type];
      if (handler === undefined) return false;
      if (typeof handler === "function") handler.apply(this, args);
      else for (const fn of handler.slice()) fn.apply(this, args);
      return true;
    }
    _add(type, listener, prepend) {
      checkListener(listener);
      if (this._events === undefined) EventEmitter.init.call(this);
      const events = this._events;
      if (events.newListener !== undefined)
        this.emit("newListener", type, listener.listener ? listener.listener : listener);
      const existing = events[type];
      if (existing === undefined) {
        events[type] = listener;
        this._eventsCount++;
      } else if (typeof existing === "function")
        events[type] = prepend ? [listener, existing] : [existing, listener];
      else if (prepend) existing.unshift(listener);
      else existing.push(listener);
      return this;
    }
    addListener(type, listener) {
      return this._add(type, listener, false);
    }
    on(type, listener) {
      return this._add(type, listener, false);
    }
    prependListener(type, listener) {
      return this._add(type, listener, true);
    }
    once(type, listener) {
      checkListener(listener);
      return this.on(type, wrapOnce(this, type, listener));
    }
    prependOnceListener(type, listener) {
      checkListener(listener);
      return this.prependListener(type, wrapOnce(this, type, listener));
    }
    removeListener(type, listener) {
      checkListener(listener);
      const events = this._events;
      if (events === undefined) return this;
      const list = events[type];
      if (list === undefined) return this;
      if (list === listener || list.listener === listener) {
        if (--this._eventsCount === 0) this._events = Object.create(null);
        else delete events[type];
        if (events.removeListener) this.emit("removeListener", type, list.listener || listener);
      } else if (typeof list !== "function") {
        for (let i = list.length - 1; i >= 0; i--) {
          if (list[i] === listener || list[i].listener === listener) {
            const removed = list[i];
            list.splice(i, 1);
            if (list.length === 1) events[type] = list[0];
            if (events.removeListener !== undefined)
              this.emit("removeListener", type, removed.listener || listener);
            break;
          }
        }
      }
      return this;
    }
    off(type, listener) {
      return this.removeListener(type, listener);
    }
    removeAllListeners(type) {
      if (this._events === undefined) return this;
      if (type === undefined) {
        this._events = Object.create(null);
        this._eventsCount = 0;
      } else if (this._events[type] !== undefined) {
        delete this._events[type];
        this._eventsCount--;
      }
      return this;
    }
    listeners(type) {
      const l = this._events?.[type];
      if (l === undefined) return [];
      return typeof l === "function" ? [l.listener || l] : l.map((f) => f.listener || f);
    }
    rawListeners(type) {
      const l = this._events?.[type];
      if (l === undefined) return [];
      return typeof l === "function" ? [l] : l.slice();
    }
    listenerCount(type, listener) {
      const l = this._events?.[type];
      if (l === undefined) return 0;
      const arr = typeof l === "function" ? [l] : l;
      return listener === undefined
        ? arr.length
        : arr.filter((f) => f === listener || f.listener === listener).length;
    }
    eventNames() {
      return this._events === undefined ? [] : Reflect.ownKeys(this._events);
    }
  }
  function wrapOnce(target, type, listener) {
    const state = { fired: false, target, type, listener };
    const wrapped = function (...args) {
      if (state.fired) return undefined;
      state.fired = true;
      target.removeListener(type, wrapped);
      return listener.apply(target, args);
    };
    wrapped.listener = listener;
    return wrapped;
  }
  EventEmitter.defaultMaxListeners = 10;
  EventEmitter.errorMonitor = Symbol("events.errorMonitor");
  EventEmitter.captureRejectionSymbol = Symbol.for("nodejs.rejection");
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.usingDomains = false;
  EventEmitter.once = function once(emitter, name, options = {}) {
    return new Promise((resolve, reject) => {
      const signal = options.signal;
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      if (typeof emitter.addEventListener === "function" && typeof emitter.on !== "function") {
        emitter.addEventListener(name, (ev) => resolve([ev]), { once: true });
        return;
      }
      const onError = (err) => {
        emitter.removeListener(name, onEvent);
        reject(err);
      };
      const onEvent = (...args) => {
        if (name !== "error") emitter.removeListener("error", onError);
        resolve(args);
      };
      emitter.once(name, onEvent);
      if (name !== "error") emitter.once("error", onError);
      signal?.addEventListener(
        "abort",
        () => {
          emitter.removeListener(name, onEvent);
          emitter.removeListener("error", onError);
          reject(abortError(signal));
        },
        { once: true },
      );
    });
  };
  function abortError(signal) {
    const e = new Error("The operation was aborted");
    e.name = "AbortError";
    e.code = "ABORT_ERR";
    e.cause = signal?.reason;
    return e;
  }
  EventEmitter.on = function on(emitter, name) {
    const queue = [];
    const waiters = [];
    let error = null;
    emitter.on(name, (...args) => {
      const w = waiters.shift();
      if (w) w.resolve({ value: args, done: false });
      else queue.push(args);
    });
    emitter.on("error", (e) => {
      const w = waiters.shift();
      if (w) w.reject(e);
      else error = e;
    });
    return {
      next() {
        if (queue.length) return Promise.resolve({ value: queue.shift(), done: false });
        if (error) return Promise.reject(error);
        return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
      },
      return() {
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  };
  EventEmitter.listenerCount = (emitter, type) => emitter.listenerCount(type);
  EventEmitter.getEventListeners = (emitter, type) => emitter.listeners(type);
  EventEmitter.setMaxListeners = () => undefined;
  EventEmitter[kCapture] = false;
  module.exports = EventEmitter;
}
