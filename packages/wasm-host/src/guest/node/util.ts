// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first require (see require.ts).
/** `util` (+ `util/types`): format/inspect are the prelude's, the rest follows Node. */
export function nodeUtil(module, exports, require, internals, host, g) {
  const tag = (v) => Object.prototype.toString.call(v).slice(8, -1);
  const types = {
    isPromise: (v) => v instanceof Promise,
    isRegExp: (v) => v instanceof RegExp,
    isDate: (v) => v instanceof Date,
    isMap: (v) => v instanceof Map,
    isSet: (v) => v instanceof Set,
    isWeakMap: (v) => v instanceof WeakMap,
    isWeakSet: (v) => v instanceof WeakSet,
    isNativeError: (v) => v instanceof Error,
    isTypedArray: (v) => ArrayBuffer.isView(v) && !(v instanceof DataView),
    isUint8Array: (v) => v instanceof Uint8Array,
    isUint16Array: (v) => v instanceof Uint16Array,
    isUint32Array: (v) => v instanceof Uint32Array,
    isInt8Array: (v) => v instanceof Int8Array,
    isInt16Array: (v) => v instanceof Int16Array,
    isInt32Array: (v) => v instanceof Int32Array,
    isFloat32Array: (v) => v instanceof Float32Array,
    isFloat64Array: (v) => v instanceof Float64Array,
    isBigInt64Array: (v) => v instanceof BigInt64Array,
    isBigUint64Array: (v) => v instanceof BigUint64Array,
    isArrayBuffer: (v) => v instanceof ArrayBuffer,
    isSharedArrayBuffer: (v) =>
      typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer,
    isAnyArrayBuffer: (v) =>
      v instanceof ArrayBuffer ||
      (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer),
    isArrayBufferView: (v) => ArrayBuffer.isView(v),
    isDataView: (v) => v instanceof DataView,
    isAsyncFunction: (v) => typeof v === "function" && tag(v) === "AsyncFunction",
    isGeneratorFunction: (v) =>
      typeof v === "function" &&
      (tag(v) === "GeneratorFunction" || tag(v) === "AsyncGeneratorFunction"),
    isGeneratorObject: (v) => tag(v) === "Generator",
    isBoxedPrimitive: (v) =>
      v instanceof Number ||
      v instanceof String ||
      v instanceof Boolean ||
      v instanceof BigInt ||
      v instanceof Symbol,
    isNumberObject: (v) => v instanceof Number,
    isStringObject: (v) => v instanceof String,
    isBooleanObject: (v) => v instanceof Boolean,
    isSymbolObject: (v) => typeof v === "object" && v instanceof Symbol,
    isBigIntObject: (v) => typeof v === "object" && v instanceof BigInt,
    isProxy: () => false,
    isMapIterator: (v) => tag(v) === "Map Iterator",
    isSetIterator: (v) => tag(v) === "Set Iterator",
    isModuleNamespaceObject: (v) => tag(v) === "Module",
    isKeyObject: () => false,
    isCryptoKey: () => false,
  };
  const kCustomPromisify = Symbol.for("nodejs.util.promisify.custom");
  function promisify(fn) {
    if (typeof fn !== "function") {
      const e = new TypeError(
        `The "original" argument must be of type function. Received ${internals.inspect(fn)}`,
      );
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
    if (fn[kCustomPromisify]) return fn[kCustomPromisify];
    function promisified(...args) {
      return new Promise((resolve, reject) => {
        fn.call(this, ...args, (err, ...values) =>
          err ? reject(err) : resolve(values.length > 1 ? values : values[0]),
        );
      });
    }
    Object.setPrototypeOf(promisified, Object.getPrototypeOf(fn));
    Object.defineProperty(promisified, kCustomPromisify, { value: promisified });
    return Object.defineProperties(promisified, Object.getOwnPropertyDescriptors(fn));
  }
  promisify.custom = kCustomPromisify;
  function callbackify(fn) {
    return function (...args) {
      const cb = args.pop();
      fn.apply(this, args).then(
        (v) => g.process.nextTick(cb, null, v),
        (err) => {
          if (!err) {
            const e = new Error("Promise was rejected with a falsy value");
            e.code = "ERR_FALSY_VALUE_REJECTION";
            e.reason = err;
            err = e;
          }
          g.process.nextTick(cb, err);
        },
      );
    };
  }
  function inherits(ctor, superCtor) {
    Object.defineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
    Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
  }
  const warned = new Set();
  function deprecate(fn, msg, code) {
    return function (...args) {
      if (!warned.has(code ?? msg)) {
        warned.add(code ?? msg);
        internals.write(2, `(node:1) ${code ? `[${code}] ` : ""}DeprecationWarning: ${msg}\n`);
      }
      return new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args);
    };
  }
  function isDeepStrictEqual(a, b) {
    return deepEqual(a, b, true, new Map());
  }
  function deepEqual(a, b, strict, memo) {
    if (strict ? Object.is(a, b) : a == b || (Number.isNaN(a) && Number.isNaN(b))) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    const ta = tag(a);
    if (ta !== tag(b)) return false;
    if (memo.get(a) === b) return true;
    memo.set(a, b);
    if (a instanceof Date) return a.getTime() === b.getTime();
    if (a instanceof RegExp)
      return a.source === b.source && a.flags === b.flags && a.lastIndex === b.lastIndex;
    if (a instanceof Error && (a.message !== b.message || a.name !== b.name)) return false;
    if (ArrayBuffer.isView(a)) {
      if (a.length !== b.length || a.byteLength !== b.byteLength) return false;
      for (let i = 0; i < a.length; i++)
        if (!Object.is(a[i], b[i]) && !(!strict && a[i] == b[i])) return false;
    }
    if (a instanceof Number || a instanceof String || a instanceof Boolean)
      if (!Object.is(a.valueOf(), b.valueOf())) return false;
    if (a instanceof Set) {
      if (a.size !== b.size) return false;
      outer: for (const x of a) {
        if (b.has(x)) continue;
        if (typeof x !== "object" || x === null) return false;
        for (const y of b) if (deepEqual(x, y, strict, memo)) continue outer;
        return false;
      }
    }
    if (a instanceof Map) {
      if (a.size !== b.size) return false;
      for (const [k, v] of a) {
        if (!b.has(k) || !deepEqual(v, b.get(k), strict, memo)) return false;
      }
    }
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    for (const k of ka) {
      if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
      if (!deepEqual(a[k], b[k], strict, memo)) return false;
    }
    if (strict) {
      const sa = Object.getOwnPropertySymbols(a).filter((s) =>
        Object.prototype.propertyIsEnumerable.call(a, s),
      );
      const sb = Object.getOwnPropertySymbols(b).filter((s) =>
        Object.prototype.propertyIsEnumerable.call(b, s),
      );
      if (sa.length !== sb.length) return false;
      for (const s of sa) if (!deepEqual(a[s], b[s], strict, memo)) return false;
    }
    return true;
  }
  internals.deepEqual = deepEqual;
  const web = require("internal/web");
  module.exports = {
    format: internals.format,
    formatWithOptions: (opts, ...args) => internals.format(...args),
    inspect: internals.inspect,
    promisify,
    callbackify,
    inherits,
    deprecate,
    isDeepStrictEqual,
    types,
    TextEncoder: web.TextEncoder,
    TextDecoder: web.TextDecoder,
    isArray: Array.isArray,
    isBoolean: (v) => typeof v === "boolean",
    isNull: (v) => v === null,
    isNullOrUndefined: (v) => v == null,
    isNumber: (v) => typeof v === "number",
    isString: (v) => typeof v === "string",
    isSymbol: (v) => typeof v === "symbol",
    isUndefined: (v) => v === undefined,
    isRegExp: types.isRegExp,
    isObject: (v) => v !== null && typeof v === "object",
    isDate: types.isDate,
    isError: types.isNativeError,
    isFunction: (v) => typeof v === "function",
    isPrimitive: (v) => v === null || (typeof v !== "object" && typeof v !== "function"),
    stripVTControlCharacters: (s) => String(s).replace(/\u001b\[[0-9;]*[A-Za-z]/g, ""),
    toUSVString: (s) =>
      String(s).replace(
        /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
        "\ufffd",
      ),
    debuglog: () => Object.assign(() => undefined, { enabled: false }),
    debug: () => Object.assign(() => undefined, { enabled: false }),
    aborted: (signal) =>
      new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true })),
    parseArgs: undefined,
  };
  delete module.exports.parseArgs;
}
