// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first require (see require.ts).
/** `buffer`: Node's `Buffer` as a `Uint8Array` subclass, with Node's encodings and accessors. */
export function nodeBuffer(module, exports, require, internals) {
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const B64REV = new Int16Array(256).fill(-1);
  for (let i = 0; i < 64; i++) B64REV[B64.charCodeAt(i)] = i;
  B64REV[45] = 62; // '-' (base64url)
  B64REV[95] = 63; // '_'
  const norm = (enc) => {
    const e = enc === undefined || enc === null ? "utf8" : String(enc).toLowerCase();
    switch (e) {
      case "utf8":
      case "utf-8":
        return "utf8";
      case "hex":
        return "hex";
      case "base64":
        return "base64";
      case "base64url":
        return "base64url";
      case "latin1":
      case "binary":
        return "latin1";
      case "ascii":
        return "ascii";
      case "ucs2":
      case "ucs-2":
      case "utf16le":
      case "utf-16le":
        return "utf16le";
      default:
        return null;
    }
  };
  const encOrThrow = (enc) => {
    const e = norm(enc);
    if (e === null) {
      const err = new TypeError(`Unknown encoding: ${enc}`);
      err.code = "ERR_UNKNOWN_ENCODING";
      throw err;
    }
    return e;
  };
  function encode(str, enc) {
    switch (enc) {
      case "utf8":
        return internals.encodeUtf8(str);
      case "hex": {
        const n = str.length >>> 1;
        const out = new Uint8Array(n);
        let i = 0;
        for (; i < n; i++) {
          const v = parseInt(str.substr(i * 2, 2), 16);
          if (Number.isNaN(v) || !/^[0-9a-fA-F]{2}$/.test(str.substr(i * 2, 2))) break;
          out[i] = v;
        }
        return out.subarray(0, i);
      }
      case "base64":
      case "base64url": {
        const out = new Uint8Array(Math.ceil((str.length * 3) / 4));
        let bits = 0,
          acc = 0,
          j = 0;
        for (let i = 0; i < str.length; i++) {
          const c = str.charCodeAt(i);
          if (c === 61) break; // '='
          const v = c < 256 ? B64REV[c] : -1;
          if (v < 0) continue;
          acc = (acc << 6) | v;
          bits += 6;
          if (bits >= 8) {
            bits -= 8;
            out[j++] = (acc >> bits) & 255;
          }
        }
        return out.subarray(0, j);
      }
      case "latin1":
      case "ascii": {
        const out = new Uint8Array(str.length);
        for (let i = 0; i < str.length; i++) out[i] = str.charCodeAt(i) & 255;
        return out;
      }
      case "utf16le": {
        const out = new Uint8Array(str.length * 2);
        for (let i = 0; i < str.length; i++) {
          const c = str.charCodeAt(i);
          out[i * 2] = c & 255;
          out[i * 2 + 1] = c >> 8;
        }
        return out;
      }
    }
  }
  function decode(bytes, enc) {
    switch (enc) {
      case "utf8":
        return bytes.length === 0 ? "" : internals.decodeUtf8(bytes);
      case "hex": {
        let s = "";
        for (let i = 0; i < bytes.length; i++)
          s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
        return s;
      }
      case "base64":
      case "base64url": {
        const url = enc === "base64url";
        const table = url ? B64.slice(0, 62) + "-_" : B64;
        let s = "";
        let i = 0;
        for (; i + 2 < bytes.length; i += 3) {
          const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
          s += table[n >> 18] + table[(n >> 12) & 63] + table[(n >> 6) & 63] + table[n & 63];
        }
        const rest = bytes.length - i;
        if (rest === 1) {
          const n = bytes[i] << 16;
          s += table[n >> 18] + table[(n >> 12) & 63] + (url ? "" : "==");
        } else if (rest === 2) {
          const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
          s += table[n >> 18] + table[(n >> 12) & 63] + table[(n >> 6) & 63] + (url ? "" : "=");
        }
        return s;
      }
      case "latin1": {
        let s = "";
        for (let i = 0; i < bytes.length; i += 8192)
          s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
        return s;
      }
      case "ascii": {
        let s = "";
        for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i] & 127);
        return s;
      }
      case "utf16le": {
        let s = "";
        for (let i = 0; i + 1 < bytes.length; i += 2)
          s += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
        return s;
      }
    }
  }
  const rangeErr = (name, range, v) => {
    const e = new RangeError(
      `The value of "${name}" is out of range. It must be ${range}. Received ${v}`,
    );
    e.code = "ERR_OUT_OF_RANGE";
    return e;
  };
  const typeErr = (msg) => {
    const e = new TypeError(msg);
    e.code = "ERR_INVALID_ARG_TYPE";
    return e;
  };
  class Buffer extends Uint8Array {
    static from(value, encOrOffset, length) {
      if (typeof value === "string") return fromBytes(encode(value, encOrThrow(encOrOffset)));
      if (
        value instanceof ArrayBuffer ||
        (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)
      ) {
        const off = encOrOffset === undefined ? 0 : Number(encOrOffset);
        const len = length === undefined ? value.byteLength - off : Number(length);
        if (off > value.byteLength) throw rangeErr("offset", `<= ${value.byteLength}`, off);
        return new Buffer(value, off, len);
      }
      if (ArrayBuffer.isView(value)) {
        const src = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
        if (value instanceof Uint8Array) return fromBytes(src.slice());
        const b = new Buffer(value.length);
        for (let i = 0; i < value.length; i++) b[i] = value[i];
        return b;
      }
      if (Array.isArray(value)) {
        const b = new Buffer(value.length);
        for (let i = 0; i < value.length; i++) b[i] = value[i];
        return b;
      }
      if (value !== null && typeof value === "object") {
        if (value.type === "Buffer" && Array.isArray(value.data)) return Buffer.from(value.data);
        if (typeof value.length === "number") return Buffer.from(Array.from(value));
        if (typeof value.valueOf === "function" && value.valueOf() !== value)
          return Buffer.from(value.valueOf(), encOrOffset, length);
      }
      throw typeErr(
        `The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received ${internals.inspect(value)}`,
      );
    }
    static alloc(size, fill, enc) {
      checkSize(size);
      const b = new Buffer(size);
      if (fill !== undefined && fill !== 0) b.fill(fill, 0, size, enc);
      return b;
    }
    static allocUnsafe(size) {
      checkSize(size);
      return new Buffer(size);
    }
    static allocUnsafeSlow(size) {
      return Buffer.allocUnsafe(size);
    }
    static isBuffer(b) {
      return b instanceof Buffer;
    }
    static isEncoding(e) {
      return typeof e === "string" && e !== "" && norm(e) !== null;
    }
    static byteLength(value, enc) {
      if (typeof value !== "string") {
        if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength;
        throw typeErr(
          `The "string" argument must be of type string or an instance of Buffer or ArrayBuffer. Received ${internals.inspect(value)}`,
        );
      }
      const e = norm(enc) ?? "utf8";
      if (e === "utf8") {
        let n = 0;
        for (let i = 0; i < value.length; i++) {
          const c = value.charCodeAt(i);
          if (c < 0x80) n += 1;
          else if (c < 0x800) n += 2;
          else if (
            c >= 0xd800 &&
            c <= 0xdbff &&
            i + 1 < value.length &&
            (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00
          ) {
            n += 4;
            i++;
          } else n += 3;
        }
        return n;
      }
      if (e === "base64" || e === "base64url") {
        let len = value.length;
        while (len > 0 && value.charCodeAt(len - 1) === 61) len--;
        return (len * 3) >>> 2;
      }
      if (e === "hex") return value.length >>> 1;
      if (e === "utf16le") return value.length * 2;
      return value.length;
    }
    static concat(list, totalLength) {
      if (!Array.isArray(list))
        throw typeErr(
          `The "list" argument must be an instance of Array. Received ${internals.inspect(list)}`,
        );
      const total =
        totalLength === undefined ? list.reduce((n, b) => n + b.length, 0) : totalLength;
      const out = Buffer.alloc(total);
      let pos = 0;
      for (const b of list) {
        if (!(b instanceof Uint8Array))
          throw typeErr(`The "list" argument must contain Buffer or Uint8Array instances`);
        if (pos >= total) break;
        out.set(b.subarray(0, total - pos), pos);
        pos += Math.min(b.length, total - pos);
      }
      return out;
    }
    static compare(a, b) {
      const n = Math.min(a.length, b.length);
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
      return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
    }
    toString(enc, start, end) {
      const s = start === undefined ? 0 : Math.max(0, start | 0);
      const e = end === undefined ? this.length : Math.min(this.length, end | 0);
      if (e <= s) return "";
      return decode(new Uint8Array(this.buffer, this.byteOffset + s, e - s), encOrThrow(enc));
    }
    toLocaleString(enc, start, end) {
      return this.toString(enc, start, end);
    }
    toJSON() {
      return { type: "Buffer", data: Array.from(this) };
    }
    equals(other) {
      if (!(other instanceof Uint8Array))
        throw typeErr(
          `The "otherBuffer" argument must be an instance of Buffer or Uint8Array. Received ${internals.inspect(other)}`,
        );
      return Buffer.compare(this, other) === 0;
    }
    compare(target, tStart = 0, tEnd = target.length, sStart = 0, sEnd = this.length) {
      return Buffer.compare(this.subarray(sStart, sEnd), target.subarray(tStart, tEnd));
    }
    slice(start, end) {
      return this.subarray(start, end);
    }
    write(string, offset, length, enc) {
      if (typeof offset === "string") {
        enc = offset;
        offset = 0;
        length = undefined;
      } else if (typeof length === "string") {
        enc = length;
        length = undefined;
      }
      offset = offset === undefined ? 0 : offset >>> 0;
      const bytes = encode(String(string), encOrThrow(enc));
      let n = Math.min(
        bytes.length,
        this.length - offset,
        length === undefined ? Infinity : length,
      );
      if (norm(enc) === "utf8" || enc === undefined) {
        // never write a partial UTF-8 character
        while (n > 0 && n < bytes.length && (bytes[n] & 0xc0) === 0x80) n--;
      }
      this.set(bytes.subarray(0, n), offset);
      return n;
    }
    fill(value, offset, end, enc) {
      if (typeof offset === "string") {
        enc = offset;
        offset = 0;
        end = this.length;
      } else if (typeof end === "string") {
        enc = end;
        end = this.length;
      }
      const s = offset === undefined ? 0 : offset;
      const e = end === undefined ? this.length : end;
      if (typeof value === "number" || typeof value === "boolean")
        return (Uint8Array.prototype.fill.call(this, Number(value) & 255, s, e), this);
      const bytes = typeof value === "string" ? encode(value, encOrThrow(enc)) : value;
      if (bytes.length === 0) return (Uint8Array.prototype.fill.call(this, 0, s, e), this);
      for (let i = s, j = 0; i < e; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
      return this;
    }
    copy(target, tStart = 0, sStart = 0, sEnd = this.length) {
      const n = Math.max(0, Math.min(sEnd - sStart, target.length - tStart));
      target.set(this.subarray(sStart, sStart + n), tStart);
      return n;
    }
    indexOf(value, byteOffset, enc) {
      return search(this, value, byteOffset, enc, true);
    }
    lastIndexOf(value, byteOffset, enc) {
      return search(this, value, byteOffset, enc, false);
    }
    includes(value, byteOffset, enc) {
      return this.indexOf(value, byteOffset, enc) !== -1;
    }
    swap16() {
      for (let i = 0; i + 1 < this.length; i += 2) [this[i], this[i + 1]] = [this[i + 1], this[i]];
      return this;
    }
    swap32() {
      for (let i = 0; i + 3 < this.length; i += 4) this.subarray(i, i + 4).reverse();
      return this;
    }
    swap64() {
      for (let i = 0; i + 7 < this.length; i += 8) this.subarray(i, i + 8).reverse();
      return this;
    }
    readIntLE(o, n) {
      return signed(this.readUIntLE(o, n), n);
    }
    readIntBE(o, n) {
      return signed(this.readUIntBE(o, n), n);
    }
    readUIntLE(o, n) {
      check(this, o, n);
      let v = 0;
      for (let i = n - 1; i >= 0; i--) v = v * 256 + this[o + i];
      return v;
    }
    readUIntBE(o, n) {
      check(this, o, n);
      let v = 0;
      for (let i = 0; i < n; i++) v = v * 256 + this[o + i];
      return v;
    }
    writeUIntLE(v, o, n) {
      check(this, o, n);
      for (let i = 0; i < n; i++) {
        this[o + i] = v & 255;
        v = Math.floor(v / 256);
      }
      return o + n;
    }
    writeUIntBE(v, o, n) {
      check(this, o, n);
      for (let i = n - 1; i >= 0; i--) {
        this[o + i] = v & 255;
        v = Math.floor(v / 256);
      }
      return o + n;
    }
    writeIntLE(v, o, n) {
      return this.writeUIntLE(v < 0 ? v + 2 ** (8 * n) : v, o, n);
    }
    writeIntBE(v, o, n) {
      return this.writeUIntBE(v < 0 ? v + 2 ** (8 * n) : v, o, n);
    }
    [Symbol.for("nodejs.util.inspect.custom")]() {
      const max = 50;
      let s = "";
      for (let i = 0; i < Math.min(max, this.length); i++)
        s += " " + (this[i] < 16 ? "0" : "") + this[i].toString(16);
      if (this.length > max)
        s += ` ... ${this.length - max} more byte${this.length - max > 1 ? "s" : ""}`;
      return `<Buffer${s}>`;
    }
  }
  const signed = (v, n) => (v >= 2 ** (8 * n - 1) ? v - 2 ** (8 * n) : v);
  function check(buf, o, n) {
    if (typeof o !== "number")
      throw typeErr(
        `The "offset" argument must be of type number. Received ${internals.inspect(o)}`,
      );
    if (!Number.isInteger(o) || o < 0 || o + n > buf.length) {
      const e = rangeErr("offset", `>= 0 and <= ${buf.length - n}`, o);
      if (buf.length - n < 0) {
        e.message = "Attempt to access memory outside buffer bounds";
        e.code = "ERR_BUFFER_OUT_OF_BOUNDS";
      }
      throw e;
    }
  }
  const view = (b) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const defs = [
    ["Int8", 1, "Int8"],
    ["UInt8", 1, "Uint8"],
    ["Int16", 2, "Int16"],
    ["UInt16", 2, "Uint16"],
    ["Int32", 4, "Int32"],
    ["UInt32", 4, "Uint32"],
    ["Float", 4, "Float32"],
    ["Double", 8, "Float64"],
    ["BigInt64", 8, "BigInt64"],
    ["BigUInt64", 8, "BigUint64"],
  ];
  const P = Buffer.prototype;
  for (const [name, size, dv] of defs) {
    const ends = size === 1 ? [""] : ["LE", "BE"];
    for (const end of ends) {
      const little = end === "LE";
      const isBig = dv.startsWith("Big");
      const read = function (o = 0) {
        check(this, o, size);
        return view(this)[`get${dv}`](o, little);
      };
      const write = function (v, o = 0) {
        check(this, o, size);
        if (isBig && typeof v !== "bigint")
          throw typeErr(
            `The "value" argument must be of type bigint. Received ${internals.inspect(v)}`,
          );
        if (!isBig && dv !== "Float32" && dv !== "Float64") {
          const bits = size * 8;
          const min = dv.startsWith("Int") ? -(2 ** (bits - 1)) : 0;
          const max = dv.startsWith("Int") ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
          if (v > max || v < min) throw rangeErr("value", `>= ${min} and <= ${max}`, v);
        }
        view(this)[`set${dv}`](o, isBig ? v : Number(v), little);
        return o + size;
      };
      P[`read${name}${end}`] = read;
      P[`write${name}${end}`] = write;
      if (name.includes("UInt")) {
        P[`read${name.replace("UInt", "Uint")}${end}`] = read;
        P[`write${name.replace("UInt", "Uint")}${end}`] = write;
      }
    }
  }
  for (const k of ["readUIntLE", "readUIntBE", "writeUIntLE", "writeUIntBE"])
    P[k.replace("UInt", "Uint")] = P[k];
  function search(buf, value, byteOffset, enc, forward) {
    if (typeof byteOffset === "string") {
      enc = byteOffset;
      byteOffset = undefined;
    }
    let needle;
    if (typeof value === "number") needle = new Uint8Array([value & 255]);
    else if (typeof value === "string") needle = encode(value, encOrThrow(enc));
    else if (value instanceof Uint8Array) needle = value;
    else
      throw typeErr(
        `The "value" argument must be one of type number or string or an instance of Buffer or Uint8Array. Received ${internals.inspect(value)}`,
      );
    let from = byteOffset === undefined ? (forward ? 0 : buf.length) : Number(byteOffset) | 0;
    if (from < 0) from = Math.max(0, buf.length + from);
    const last = buf.length - needle.length;
    if (needle.length === 0) return Math.min(from, buf.length);
    if (forward) {
      for (let i = from; i <= last; i++) if (matches(buf, needle, i)) return i;
    } else {
      for (let i = Math.min(from, last); i >= 0; i--) if (matches(buf, needle, i)) return i;
    }
    return -1;
  }
  function matches(buf, needle, at) {
    for (let j = 0; j < needle.length; j++) if (buf[at + j] !== needle[j]) return false;
    return true;
  }
  function checkSize(size) {
    if (typeof size !== "number")
      throw typeErr(
        `The "size" argument must be of type number. Received ${internals.inspect(size)}`,
      );
    if (!(size >= 0 && size <= 2 ** 32)) throw rangeErr("size", `>= 0 && <= ${2 ** 32}`, size);
  }
  function fromBytes(u8) {
    return new Buffer(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  Buffer.poolSize = 8192;
  internals.bufferEncode = encode;
  internals.bufferDecode = decode;
  internals.normEncoding = norm;
  module.exports = {
    Buffer,
    kMaxLength: 2 ** 32,
    constants: { MAX_LENGTH: 2 ** 32, MAX_STRING_LENGTH: 2 ** 29 - 24 },
    INSPECT_MAX_BYTES: 50,
    atob: (s) => globalThis.atob(s),
    btoa: (s) => globalThis.btoa(s),
    isUtf8: (b) => {
      try {
        new globalThis.TextDecoder("utf-8", { fatal: true }).decode(b);
        return true;
      } catch {
        return false;
      }
    },
    Blob: undefined,
  };
}
