// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first use (see require.ts).
/**
 * `fetch`, `Headers`, `Request`, `Response`, `FormData` (urlencoded only). The request goes to
 * the host's `fetch` op (netpolicy's `secureFetch`); a denied or failed request rejects with
 * `TypeError('fetch failed')` whose `cause` carries the code (`ERR_AIRLOCK_EGRESS_DENIED`).
 */
export function nodeFetch(module, exports, require, internals, host) {
  const { Buffer } = require("buffer");
  const web = require("internal/web");
  const { URL, URLSearchParams } = require("url");
  // Hoisted, and whitespace checked before the trimming regex: a request's headers pass through
  // here, and in QuickJS each regex literal evaluated and each replace costs microseconds.
  const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const normName = (n) => {
    const s = String(n);
    if (!TOKEN_RE.test(s)) throw new TypeError(`Header name must be a valid HTTP token ["${s}"]`);
    return s.toLowerCase();
  };
  const SPACE_RE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
  const space = (c) => c === 32 || c === 9 || c === 10 || c === 13;
  const normValue = (v) => {
    const s = String(v);
    if (s === "" || (!space(s.charCodeAt(0)) && !space(s.charCodeAt(s.length - 1)))) return s;
    return s.replace(SPACE_RE, "");
  };
  class Headers {
    constructor(init) {
      this._map = new Map();
      if (init instanceof Headers) for (const [k, v] of init) this.append(k, v);
      else if (Array.isArray(init)) for (const [k, v] of init) this.append(k, v);
      else if (init && typeof init === "object")
        for (const k of Object.keys(init)) this.append(k, init[k]);
    }
    append(k, v) {
      const n = normName(k);
      const cur = this._map.get(n);
      this._map.set(n, cur === undefined ? normValue(v) : `${cur}, ${normValue(v)}`);
    }
    set(k, v) {
      this._map.set(normName(k), normValue(v));
    }
    get(k) {
      return this._map.get(normName(k)) ?? null;
    }
    has(k) {
      return this._map.has(normName(k));
    }
    delete(k) {
      this._map.delete(normName(k));
    }
    getSetCookie() {
      const v = this._map.get("set-cookie");
      return v === undefined ? [] : v.split(", ");
    }
    _sorted() {
      const list = [...this._map.entries()];
      if (list.length > 1) list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return list;
    }
    forEach(fn, thisArg) {
      // The sorted list directly, not through the generator: the host reads every response's
      // headers this way.
      for (const [k, v] of this._sorted()) fn.call(thisArg, v, k, this);
    }
    *entries() {
      yield* this._sorted();
    }
    *keys() {
      for (const [k] of this.entries()) yield k;
    }
    *values() {
      for (const [, v] of this.entries()) yield v;
    }
    [Symbol.iterator]() {
      return this.entries();
    }
  }
  const bodyBytes = (body, headers) => {
    if (body === undefined || body === null) return null;
    if (typeof body === "string") {
      if (!headers.has("content-type")) headers.set("content-type", "text/plain;charset=UTF-8");
      return Buffer.from(body);
    }
    if (body instanceof URLSearchParams) {
      if (!headers.has("content-type"))
        headers.set("content-type", "application/x-www-form-urlencoded;charset=UTF-8");
      return Buffer.from(body.toString());
    }
    if (body instanceof FormData) {
      if (!headers.has("content-type"))
        headers.set("content-type", "application/x-www-form-urlencoded;charset=UTF-8");
      return Buffer.from(new URLSearchParams(body._list).toString());
    }
    if (body instanceof ArrayBuffer) return Buffer.from(body.slice(0));
    if (ArrayBuffer.isView(body))
      return Buffer.from(new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice());
    return Buffer.from(String(body));
  };
  class Body {
    _take() {
      if (this.bodyUsed) throw new TypeError("Body is unusable: Body has already been read");
      this.bodyUsed = true;
      return this._bytes ?? Buffer.alloc(0);
    }
    async arrayBuffer() {
      const b = this._take();
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    }
    async bytes() {
      return new Uint8Array(await this.arrayBuffer());
    }
    async text() {
      return new web.TextDecoder().decode(this._take());
    }
    async json() {
      return JSON.parse(await this.text());
    }
    async formData() {
      const fd = new FormData();
      for (const [k, v] of new URLSearchParams(await this.text())) fd.append(k, v);
      return fd;
    }
    async blob() {
      throw Object.assign(new Error("Blob is not supported in the sandbox"), {
        code: "ERR_AIRLOCK_UNSUPPORTED",
      });
    }
    get body() {
      if (this._bytes === null) return null;
      const { Readable } = require("stream");
      return Readable.from([this._bytes]);
    }
  }
  class Request extends Body {
    constructor(input, init = {}) {
      super();
      const base = input instanceof Request ? input : null;
      this.url = base ? base.url : new URL(String(input)).href;
      this.method = String(init.method ?? base?.method ?? "GET").toUpperCase();
      this.headers = new Headers(init.headers ?? base?.headers);
      this.signal = init.signal ?? base?.signal ?? new web.AbortController().signal;
      this.redirect = init.redirect ?? "follow";
      this.bodyUsed = false;
      if ((this.method === "GET" || this.method === "HEAD") && init.body != null)
        throw new TypeError("Request with GET/HEAD method cannot have body.");
      this._bytes =
        init.body !== undefined ? bodyBytes(init.body, this.headers) : base ? base._bytes : null;
    }
    clone() {
      return new Request(this);
    }
  }
  class Response extends Body {
    constructor(body = null, init = {}) {
      super();
      this.status = init.status ?? 200;
      if (this.status < 200 || this.status > 599)
        throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
      this.statusText = init.statusText ?? "";
      this.headers = new Headers(init.headers);
      this.type = "default";
      this.url = "";
      this.redirected = false;
      this.bodyUsed = false;
      this._bytes = bodyBytes(body, this.headers);
    }
    get ok() {
      return this.status >= 200 && this.status < 300;
    }
    clone() {
      if (this.bodyUsed) throw new TypeError("Response.clone: Body has already been consumed.");
      const r = new Response(null, this);
      r._bytes = this._bytes;
      r.url = this.url;
      r.redirected = this.redirected;
      return r;
    }
    static json(data, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return new Response(JSON.stringify(data), { ...init, headers });
    }
    static error() {
      const r = new Response(null, { status: 200 });
      r.status = 0;
      r.type = "error";
      return r;
    }
    static redirect(url, status = 302) {
      return new Response(null, { status, headers: { location: new URL(url).href } });
    }
  }
  class FormData {
    constructor() {
      this._list = [];
    }
    append(k, v) {
      this._list.push([String(k), String(v)]);
    }
    set(k, v) {
      this.delete(k);
      this.append(k, v);
    }
    get(k) {
      return this._list.find(([a]) => a === k)?.[1] ?? null;
    }
    getAll(k) {
      return this._list.filter(([a]) => a === k).map(([, v]) => v);
    }
    has(k) {
      return this._list.some(([a]) => a === k);
    }
    delete(k) {
      this._list = this._list.filter(([a]) => a !== k);
    }
    *entries() {
      yield* this._list;
    }
    [Symbol.iterator]() {
      return this.entries();
    }
  }
  const failed = (cause) => new TypeError("fetch failed", { cause });
  function fetch(input, init = {}) {
    let req;
    try {
      req = new Request(input, init);
    } catch (e) {
      return Promise.reject(e);
    }
    if (!/^https?:$/.test(new URL(req.url).protocol))
      return Promise.reject(
        failed(
          Object.assign(new Error("not implemented... yet..."), {
            code: "ERR_AIRLOCK_UNSUPPORTED",
          }),
        ),
      );
    if (req.signal.aborted) return Promise.reject(req.signal.reason);
    return new Promise((resolve, reject) => {
      req.signal.addEventListener("abort", () => reject(req.signal.reason), { once: true });
      host
        .callAsync("fetch", [req.url, req.method, [...req.headers]], req._bytes ?? undefined)
        .then(
          (bytes) => {
            const b = Buffer.from(bytes);
            const n = b.readUInt32BE(0);
            const head = JSON.parse(b.subarray(4, 4 + n).toString());
            const res = new Response(null, {
              status: head.status < 200 ? 200 : head.status,
              statusText: head.statusText,
              headers: head.headers,
            });
            res.status = head.status;
            res._bytes = b.subarray(4 + n);
            res.url = head.url;
            res.redirected = head.redirected;
            resolve(res);
          },
          (e) => {
            const cause = new Error(e.message);
            cause.code = e.code;
            if (e.rule !== undefined) cause.rule = e.rule;
            reject(failed(cause));
          },
        );
    });
  }
  module.exports = { fetch, Headers, Request, Response, FormData };
}
