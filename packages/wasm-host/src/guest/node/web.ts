// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first use (see require.ts).
/**
 * Web globals the engine lacks: TextEncoder/TextDecoder, atob/btoa, DOMException, Event,
 * EventTarget, AbortController/AbortSignal (+ timeout/any), structuredClone.
 */
export function nodeWeb(module, exports, require, internals) {
  const { Buffer } = require("buffer");
  class DOMException extends Error {
    constructor(message = "", options = "Error") {
      super(message);
      const name = typeof options === "string" ? options : (options?.name ?? "Error");
      Object.defineProperty(this, "name", { value: name, configurable: true, writable: true });
      if (typeof options === "object" && options !== null && "cause" in options)
        this.cause = options.cause;
      const codes = {
        IndexSizeError: 1,
        NotFoundError: 8,
        NotSupportedError: 9,
        InvalidStateError: 11,
        SyntaxError: 12,
        InvalidCharacterError: 5,
        NetworkError: 19,
        AbortError: 20,
        TimeoutError: 23,
        DataCloneError: 25,
      };
      Object.defineProperty(this, "code", { value: codes[name] ?? 0, configurable: true });
    }
  }
  class TextEncoder {
    get encoding() {
      return "utf-8";
    }
    encode(s = "") {
      return new Uint8Array(internals.encodeUtf8(String(s)));
    }
    encodeInto(s, dest) {
      const bytes = internals.encodeUtf8(String(s));
      let n = Math.min(bytes.length, dest.length);
      while (n > 0 && n < bytes.length && (bytes[n] & 0xc0) === 0x80) n--;
      dest.set(bytes.subarray(0, n));
      const read = internals.decodeUtf8(bytes.subarray(0, n)).length;
      return { read, written: n };
    }
  }
  const LABELS = {
    "utf-8": "utf-8",
    utf8: "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "utf-16le": "utf-16le",
    "utf-16": "utf-16le",
    latin1: "windows-1252",
    "iso-8859-1": "windows-1252",
    "windows-1252": "windows-1252",
    ascii: "windows-1252",
    "us-ascii": "windows-1252",
  };
  class TextDecoder {
    constructor(label = "utf-8", options = {}) {
      const enc = LABELS[String(label).trim().toLowerCase()];
      if (enc === undefined) {
        const e = new RangeError(`The "${label}" encoding is not supported`);
        e.code = "ERR_ENCODING_NOT_SUPPORTED";
        throw e;
      }
      this._enc = enc;
      this._fatal = options.fatal === true;
      this._ignoreBOM = options.ignoreBOM === true;
      this._pending = new Uint8Array(0);
    }
    get encoding() {
      return this._enc;
    }
    get fatal() {
      return this._fatal;
    }
    get ignoreBOM() {
      return this._ignoreBOM;
    }
    decode(input, options = {}) {
      let bytes =
        input === undefined
          ? new Uint8Array(0)
          : input instanceof ArrayBuffer
            ? new Uint8Array(input)
            : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
      if (this._pending.length) {
        const merged = new Uint8Array(this._pending.length + bytes.length);
        merged.set(this._pending);
        merged.set(bytes, this._pending.length);
        bytes = merged;
        this._pending = new Uint8Array(0);
      }
      if (options.stream && this._enc === "utf-8") {
        let cut = bytes.length;
        for (let i = Math.max(0, bytes.length - 3); i < bytes.length; i++) {
          const b = bytes[i];
          const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
          if (need > 0 && i + need > bytes.length) {
            cut = i;
            break;
          }
        }
        this._pending = bytes.slice(cut);
        bytes = bytes.subarray(0, cut);
      }
      let s;
      if (this._enc === "utf-8") {
        s = bytes.length === 0 ? "" : internals.decodeUtf8(bytes);
        if (this._fatal && s.includes("\uFFFD") && !validUtf8(bytes)) {
          const e = new TypeError("The encoded data was not valid for encoding utf-8");
          e.code = "ERR_ENCODING_INVALID_ENCODED_DATA";
          throw e;
        }
      } else if (this._enc === "utf-16le")
        s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf16le");
      else s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
      if (!this._ignoreBOM && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      return s;
    }
  }
  function validUtf8(b) {
    for (let i = 0; i < b.length;) {
      const c = b[i];
      const n =
        c < 0x80
          ? 1
          : c >= 0xc2 && c < 0xe0
            ? 2
            : c >= 0xe0 && c < 0xf0
              ? 3
              : c >= 0xf0 && c < 0xf5
                ? 4
                : 0;
      if (n === 0 || i + n > b.length) return false;
      for (let j = 1; j < n; j++) if ((b[i + j] & 0xc0) !== 0x80) return false;
      i += n;
    }
    return true;
  }
  const atob = (s) => {
    const str = String(s).replace(/[\t\n\f\r ]/g, "");
    if (str.length % 4 === 1 || /[^A-Za-z0-9+/=]/.test(str) || /=[^=]/.test(str))
      throw new DOMException("Invalid character", "InvalidCharacterError");
    return Buffer.from(str, "base64").toString("latin1");
  };
  const btoa = (s) => {
    const str = String(s);
    for (let i = 0; i < str.length; i++)
      if (str.charCodeAt(i) > 255)
        throw new DOMException("Invalid character", "InvalidCharacterError");
    return Buffer.from(str, "latin1").toString("base64");
  };
  class Event {
    constructor(type, init = {}) {
      if (arguments.length === 0) throw new TypeError('The "type" argument must be specified');
      this.type = String(type);
      this.bubbles = !!init.bubbles;
      this.cancelable = !!init.cancelable;
      this.composed = !!init.composed;
      this.defaultPrevented = false;
      this.timeStamp = internals.now();
      this.target = null;
      this.currentTarget = null;
      this.isTrusted = false;
      this._stop = false;
    }
    preventDefault() {
      if (this.cancelable) this.defaultPrevented = true;
    }
    stopImmediatePropagation() {
      this._stop = true;
    }
    stopPropagation() {}
    get srcElement() {
      return this.target;
    }
    composedPath() {
      return this.currentTarget ? [this.currentTarget] : [];
    }
  }
  class EventTarget {
    constructor() {
      Object.defineProperty(this, "_listeners", { value: new Map(), enumerable: false });
    }
    addEventListener(type, listener, options) {
      if (listener == null) return;
      const once = typeof options === "object" && options !== null && !!options.once;
      const signal = typeof options === "object" && options !== null ? options.signal : undefined;
      if (signal?.aborted) return;
      let list = this._listeners.get(type);
      if (!list) this._listeners.set(type, (list = []));
      if (list.some((l) => l.listener === listener)) return;
      const entry = { listener, once };
      list.push(entry);
      signal?.addEventListener("abort", () => this.removeEventListener(type, listener));
    }
    removeEventListener(type, listener) {
      const list = this._listeners.get(type);
      if (!list) return;
      const i = list.findIndex((l) => l.listener === listener);
      if (i >= 0) list.splice(i, 1);
    }
    dispatchEvent(event) {
      if (!(event instanceof Event))
        throw new TypeError('The "event" argument must be an instance of Event.');
      event.target = this;
      event.currentTarget = this;
      const handlerName = `on${event.type}`;
      const list = (this._listeners.get(event.type) ?? []).slice();
      if (typeof this[handlerName] === "function" && !list.length)
        list.push({ listener: this[handlerName], once: false });
      else if (typeof this[handlerName] === "function")
        list.unshift({ listener: this[handlerName], once: false });
      for (const l of list) {
        if (l.once) this.removeEventListener(event.type, l.listener);
        try {
          if (typeof l.listener === "function") l.listener.call(this, event);
          else l.listener.handleEvent(event);
        } catch (e) {
          internals.nextMacrotask(() => {
            throw e;
          });
        }
        if (event._stop) break;
      }
      event.currentTarget = null;
      return !event.defaultPrevented;
    }
  }
  class AbortSignal extends EventTarget {
    constructor(key) {
      if (key !== internalKey) throw new TypeError("Illegal constructor");
      super();
      this.aborted = false;
      this.reason = undefined;
      this.onabort = null;
    }
    throwIfAborted() {
      if (this.aborted) throw this.reason;
    }
    static abort(reason) {
      const s = new AbortSignal(internalKey);
      s.aborted = true;
      s.reason =
        reason === undefined
          ? new DOMException("This operation was aborted", "AbortError")
          : reason;
      return s;
    }
    static timeout(ms) {
      const s = new AbortSignal(internalKey);
      const t = setTimeout(
        () =>
          abortSignal(
            s,
            new DOMException("The operation was aborted due to timeout", "TimeoutError"),
          ),
        ms,
      );
      if (t && t.unref) t.unref();
      return s;
    }
    static any(signals) {
      const s = new AbortSignal(internalKey);
      for (const x of signals) {
        if (x.aborted) {
          abortSignal(s, x.reason);
          return s;
        }
      }
      for (const x of signals)
        x.addEventListener("abort", () => abortSignal(s, x.reason), { once: true });
      return s;
    }
  }
  const internalKey = Symbol("AbortSignal");
  function abortSignal(s, reason) {
    if (s.aborted) return;
    s.aborted = true;
    s.reason =
      reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
    s.dispatchEvent(new Event("abort"));
  }
  class AbortController {
    constructor() {
      this.signal = new AbortSignal(internalKey);
    }
    abort(reason) {
      abortSignal(this.signal, reason);
    }
  }
  function structuredClone(value, options) {
    const seen = new Map();
    const fail = (v) => {
      throw new DOMException(
        `${typeof v === "function" ? String(v).slice(0, 40) : Object.prototype.toString.call(v)} could not be cloned.`,
        "DataCloneError",
      );
    };
    const clone = (v) => {
      if (v === null || (typeof v !== "object" && typeof v !== "function")) {
        if (typeof v === "symbol") fail(v);
        return v;
      }
      if (typeof v === "function") fail(v);
      if (seen.has(v)) return seen.get(v);
      let out;
      if (Array.isArray(v)) {
        out = new Array(v.length);
        seen.set(v, out);
        for (const k of Object.keys(v)) out[k] = clone(v[k]);
        return out;
      }
      if (v instanceof Date) out = new Date(v.getTime());
      else if (v instanceof RegExp) out = new RegExp(v.source, v.flags);
      else if (v instanceof ArrayBuffer) out = v.slice(0);
      else if (ArrayBuffer.isView(v)) {
        const buf = clone(v.buffer);
        const C = v instanceof Buffer ? Uint8Array : v.constructor;
        out =
          v instanceof DataView
            ? new DataView(buf, v.byteOffset, v.byteLength)
            : new C(buf, v.byteOffset, v.length);
      } else if (v instanceof Map) {
        out = new Map();
        seen.set(v, out);
        for (const [k, x] of v) out.set(clone(k), clone(x));
        return out;
      } else if (v instanceof Set) {
        out = new Set();
        seen.set(v, out);
        for (const x of v) out.add(clone(x));
        return out;
      } else if (v instanceof Error) {
        const C =
          { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[v.name] ??
          Error;
        out = new C(v.message);
        if (v.stack !== undefined) out.stack = v.stack;
        if ("cause" in v) out.cause = clone(v.cause);
      } else if (v instanceof Boolean || v instanceof Number || v instanceof String)
        out = Object(v.valueOf());
      else if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet) fail(v);
      else {
        out = {};
        seen.set(v, out);
        for (const k of Object.keys(v)) out[k] = clone(v[k]);
        return out;
      }
      seen.set(v, out);
      return out;
    };
    if (arguments.length === 0) throw new TypeError('The "value" argument must be specified');
    return clone(value);
  }
  module.exports = {
    TextEncoder,
    TextDecoder,
    atob,
    btoa,
    DOMException,
    Event,
    EventTarget,
    AbortController,
    AbortSignal,
    structuredClone,
  };
}
