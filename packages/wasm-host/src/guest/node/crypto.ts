// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first require (see require.ts).
/** `crypto`: hashes/HMACs computed on the host, randomness from the host's CSPRNG, `webcrypto.subtle.digest`. */
export function nodeCrypto(module, exports, require, internals, host) {
  const { Buffer } = require("buffer");
  const bytesOf = (data, enc) =>
    typeof data === "string"
      ? Buffer.from(data, enc ?? "utf8")
      : data instanceof Uint8Array
        ? data
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : data instanceof ArrayBuffer
            ? new Uint8Array(data)
            : (() => {
                const e = new TypeError(
                  `The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${internals.inspect(data)}`,
                );
                e.code = "ERR_INVALID_ARG_TYPE";
                throw e;
              })();
  class Hash {
    constructor(alg, key) {
      this._alg = alg;
      this._key = key;
      this._chunks = [];
      this._done = false;
      if (!/^(md5|sha-?(1|256|384|512))$/i.test(alg)) {
        const e = new Error("Digest method not supported");
        e.code = "ERR_OSSL_EVP_UNSUPPORTED";
        throw e;
      }
    }
    update(data, enc) {
      if (this._done)
        throw Object.assign(new Error("Digest already called"), {
          code: "ERR_CRYPTO_HASH_FINALIZED",
        });
      this._chunks.push(Buffer.from(bytesOf(data, enc)));
      return this;
    }
    digest(enc) {
      if (this._done)
        throw Object.assign(new Error("Digest already called"), {
          code: "ERR_CRYPTO_HASH_FINALIZED",
        });
      this._done = true;
      const data = Buffer.concat(this._chunks);
      const out = Buffer.from(
        this._key === undefined
          ? host.call("crypto.hash", [this._alg], data)
          : host.call("crypto.hmac", [this._alg, Buffer.from(this._key).toString("base64")], data),
      );
      return enc === undefined || enc === "buffer" ? out : out.toString(enc);
    }
    copy() {
      const h = new Hash(this._alg, this._key);
      h._chunks = this._chunks.slice();
      return h;
    }
  }
  const randomBytes = (n, cb) => {
    if (typeof n !== "number" || n < 0 || !Number.isInteger(n)) {
      const e = new RangeError(
        `The value of "size" is out of range. It must be >= 0 && <= 2147483647. Received ${n}`,
      );
      e.code = "ERR_OUT_OF_RANGE";
      throw e;
    }
    const chunks = [];
    for (let left = n; left > 0; left -= 1 << 20)
      chunks.push(host.call("crypto.random", [Math.min(left, 1 << 20)]));
    const b = Buffer.concat(
      chunks.map((c) => Buffer.from(c)),
      n,
    );
    if (typeof cb === "function") {
      globalThis.process.nextTick(cb, null, b);
      return undefined;
    }
    return b;
  };
  const getRandomValues = (arr) => {
    if (
      !ArrayBuffer.isView(arr) ||
      arr instanceof Float32Array ||
      arr instanceof Float64Array ||
      arr instanceof DataView
    ) {
      const { DOMException } = require("internal/web");
      throw new DOMException(
        "The data argument must be an integer-type TypedArray",
        "TypeMismatchError",
      );
    }
    if (arr.byteLength > 65536) {
      const { DOMException } = require("internal/web");
      throw new DOMException(
        `The ArrayBufferView's byte length (${arr.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`,
        "QuotaExceededError",
      );
    }
    new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(
      host.call("crypto.random", [arr.byteLength]),
    );
    return arr;
  };
  const randomUUID = () => {
    const b = Buffer.from(host.call("crypto.random", [16]));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const randomInt = (min, max, cb) => {
    if (max === undefined || typeof max === "function") {
      cb = max;
      max = min;
      min = 0;
    }
    const range = max - min;
    const b = Buffer.from(host.call("crypto.random", [6]));
    const v = min + (b.readUIntBE(0, 6) % range);
    if (typeof cb === "function") return void globalThis.process.nextTick(cb, null, v);
    return v;
  };
  const timingSafeEqual = (a, b) => {
    if (a.byteLength !== b.byteLength) {
      const e = new RangeError("Input buffers must have the same byte length");
      e.code = "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH";
      throw e;
    }
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    let d = 0;
    for (let i = 0; i < x.length; i++) d |= x[i] ^ y[i];
    return d === 0;
  };
  const subtle = {
    async digest(alg, data) {
      const name = (typeof alg === "string" ? alg : alg.name).toUpperCase();
      if (!/^SHA-(1|256|384|512)$/.test(name)) {
        const { DOMException } = require("internal/web");
        throw new DOMException("Unrecognized algorithm name", "NotSupportedError");
      }
      const out = host.call("crypto.hash", [name], bytesOf(data));
      return out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
    },
  };
  const webcrypto = { getRandomValues, randomUUID, subtle };
  module.exports = {
    createHash: (alg) => new Hash(String(alg)),
    createHmac: (alg, key) => new Hash(String(alg), bytesOf(key)),
    hash: (alg, data, enc = "hex") => new Hash(alg).update(data).digest(enc),
    getHashes: () => ["md5", "sha1", "sha256", "sha384", "sha512"],
    randomBytes,
    pseudoRandomBytes: randomBytes,
    randomFillSync: (buf, offset = 0, size) => {
      const n = size ?? buf.byteLength - offset;
      new Uint8Array(buf.buffer, buf.byteOffset + offset, n).set(randomBytes(n));
      return buf;
    },
    randomUUID,
    randomInt,
    getRandomValues,
    timingSafeEqual,
    webcrypto,
    subtle,
    constants: {},
  };
}
