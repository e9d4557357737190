// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first require (see require.ts).
/** Small builtins: `os`, `tty`, `string_decoder`, `querystring`, `timers`, `timers/promises`. */
export function nodeOs(module, exports, require, internals, host, g) {
  module.exports = {
    EOL: "\n",
    platform: () => "linux",
    type: () => "Linux",
    arch: () => g.process.arch,
    release: () => "airlock",
    version: () => "airlock",
    machine: () => "wasm32",
    hostname: () => "airlock",
    homedir: () => g.process.env.HOME ?? "/",
    tmpdir: () => "/tmp",
    endianness: () => "LE",
    uptime: () => g.process.uptime(),
    loadavg: () => [0, 0, 0],
    totalmem: () => 128 * 1024 * 1024,
    freemem: () => 64 * 1024 * 1024,
    availableParallelism: () => 1,
    cpus: () => [
      { model: "airlock", speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } },
    ],
    networkInterfaces: () => ({}),
    userInfo: () => ({
      uid: 1000,
      gid: 1000,
      username: "airlock",
      homedir: g.process.env.HOME ?? "/",
      shell: null,
    }),
    devNull: "/dev/null",
    constants: { signals: { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }, errno: {} },
  };
}
export function nodeTty(module) {
  module.exports = {
    isatty: () => false,
    ReadStream: class ReadStream {},
    WriteStream: class WriteStream {},
  };
}
export function nodeStringDecoder(module, exports, require, internals) {
  const { Buffer } = require("buffer");
  class StringDecoder {
    constructor(encoding = "utf8") {
      const e = internals.normEncoding(encoding);
      if (e === null) {
        const err = new TypeError(`Unknown encoding: ${encoding}`);
        err.code = "ERR_UNKNOWN_ENCODING";
        throw err;
      }
      this.encoding = e;
      this._rest = Buffer.alloc(0);
    }
    write(buf) {
      if (typeof buf === "string") return buf;
      let b = this._rest.length ? Buffer.concat([this._rest, buf]) : Buffer.from(buf);
      let cut = b.length;
      if (this.encoding === "utf8") {
        for (let i = Math.max(0, b.length - 3); i < b.length; i++) {
          const c = b[i];
          const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
          if (need && i + need > b.length) {
            cut = i;
            break;
          }
        }
      } else if (this.encoding === "utf16le") cut = b.length - (b.length % 2);
      else if (this.encoding === "base64" || this.encoding === "base64url")
        cut = b.length - (b.length % 3);
      this._rest = b.subarray(cut);
      return b.subarray(0, cut).toString(this.encoding);
    }
    end(buf) {
      let s = buf === undefined ? "" : this.write(buf);
      if (this._rest.length) s += this._rest.toString(this.encoding);
      this._rest = Buffer.alloc(0);
      return s;
    }
  }
  module.exports = { StringDecoder };
}
export function nodeQuerystring(module) {
  const unescape = (s) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, " "));
    } catch {
      return s;
    }
  };
  const escape = (s) =>
    encodeURIComponent(s).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
  const str = (v) =>
    typeof v === "string"
      ? v
      : typeof v === "number" && isFinite(v)
        ? String(v)
        : typeof v === "bigint" || typeof v === "boolean"
          ? String(v)
          : "";
  function parse(qs, sep = "&", eq = "=", options = {}) {
    const out = Object.create(null);
    if (typeof qs !== "string" || qs.length === 0) return out;
    const max = options.maxKeys ?? 1000;
    let parts = qs.split(sep);
    if (max > 0) parts = parts.slice(0, max);
    const dec = options.decodeURIComponent ?? unescape;
    for (const part of parts) {
      if (part === "") continue;
      const i = part.indexOf(eq);
      const k = dec(i >= 0 ? part.slice(0, i) : part);
      const v = i >= 0 ? dec(part.slice(i + eq.length)) : "";
      if (k in out) out[k] = Array.isArray(out[k]) ? [...out[k], v] : [out[k], v];
      else out[k] = v;
    }
    return out;
  }
  function stringify(obj, sep = "&", eq = "=", options = {}) {
    const enc = options.encodeURIComponent ?? escape;
    if (obj === null || typeof obj !== "object") return "";
    return Object.keys(obj)
      .map((k) => {
        const v = obj[k];
        const ks = enc(str(k)) + eq;
        if (Array.isArray(v)) return v.map((x) => ks + enc(str(x))).join(sep);
        return ks + enc(str(v));
      })
      .filter((s) => s !== "")
      .join(sep);
  }
  module.exports = { parse, stringify, decode: parse, encode: stringify, escape, unescape };
}
export function nodeTimers(module, exports, require, internals, host, g) {
  module.exports = {
    setTimeout: (...a) => g.setTimeout(...a),
    clearTimeout: (t) => g.clearTimeout(t),
    setInterval: (...a) => g.setInterval(...a),
    clearInterval: (t) => g.clearInterval(t),
    setImmediate: (...a) => g.setImmediate(...a),
    clearImmediate: (t) => g.clearImmediate(t),
    promises: undefined,
  };
  Object.defineProperty(module.exports, "promises", {
    enumerable: true,
    get: () => require("timers/promises"),
  });
}
export function nodeTimersPromises(module, exports, require, internals, host, g) {
  const abortError = (signal) => {
    const e = new Error("The operation was aborted");
    e.name = "AbortError";
    e.code = "ABORT_ERR";
    e.cause = signal.reason;
    return e;
  };
  const wrap =
    (schedule, clear) =>
    (arg, value, options = {}) =>
      new Promise((resolve, reject) => {
        const signal = options.signal;
        if (signal?.aborted) return reject(abortError(signal));
        const t = schedule(() => resolve(value), arg);
        if (options.ref === false && t.unref) t.unref();
        signal?.addEventListener(
          "abort",
          () => {
            clear(t);
            reject(abortError(signal));
          },
          { once: true },
        );
      });
  module.exports = {
    setTimeout: wrap(
      (f, ms) => g.setTimeout(f, ms),
      (t) => g.clearTimeout(t),
    ),
    setImmediate: (value, options) =>
      wrap(
        (f) => g.setImmediate(f),
        (t) => g.clearImmediate(t),
      )(undefined, value, options),
    async *setInterval(ms, value) {
      for (;;) {
        await new Promise((r) => g.setTimeout(r, ms));
        yield value;
      }
    },
    scheduler: {
      wait: (ms, options) => module.exports.setTimeout(ms, undefined, options),
      yield: () => module.exports.setImmediate(),
    },
  };
}
