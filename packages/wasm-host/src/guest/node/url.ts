// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first require (see require.ts).
/**
 * `url`: a WHATWG-style URL / URLSearchParams (the engine has neither) covering the common cases:
 * special schemes with host/port/path normalisation and percent-encoding, opaque URLs,
 * relative resolution; plus `fileURLToPath`, `pathToFileURL`, `format`, `parse` (legacy).
 */
export function nodeUrl(module, exports, require, internals) {
  const SPECIAL = {
    "http:": "80",
    "https:": "443",
    "ws:": "80",
    "wss:": "443",
    "ftp:": "21",
    "file:": "",
  };
  const invalid = (input) => {
    const e = new TypeError("Invalid URL");
    e.code = "ERR_INVALID_URL";
    e.input = input;
    return e;
  };
  const enc = (s, re) =>
    s.replace(re, (c) =>
      // encodeUtf8 (core), not the buffer module's encoder: that one exists only once
      // `buffer` was loaded, and a URL needing percent-encoding must not depend on it.
      internals
        .encodeUtf8(c)
        .reduce((a, b) => a + "%" + (b < 16 ? "0" : "") + b.toString(16).toUpperCase(), ""),
    );
  const PATH_RE = /[\u0000-\u0020"#<>?`{}\u007f-\uffff]/g;
  const QUERY_RE = /[\u0000-\u0020"#<>\u007f-\uffff]/g;
  const SQUERY_RE = /[\u0000-\u0020"#<>'\u007f-\uffff]/g;
  const FRAG_RE = /[\u0000-\u0020"<>`\u007f-\uffff]/g;
  const USER_RE = /[\u0000-\u0020"#<>?`{}/:;=@[\\\]^|\u007f-\uffff]/g;
  function parseHost(h, special, input) {
    if (h.startsWith("[")) {
      if (!h.endsWith("]")) throw invalid(input);
      return h.toLowerCase();
    }
    if (!special) return enc(h, /[\u0000-\u0020"#<>?`{}\u007f-\uffff]/g);
    let host;
    try {
      host = decodeURIComponent(h).toLowerCase();
    } catch {
      throw invalid(input);
    }
    if (/[\u0000\t\n\r #/:<>?@[\\\]^|%]/.test(host)) throw invalid(input);
    if (/[^\x00-\x7f]/.test(host)) throw invalid(input); // IDN is not supported here
    const parts = host.split(".");
    if (parts[parts.length - 1] === "") parts.pop();
    const last = parts[parts.length - 1];
    if (last !== undefined && /^(0x[0-9a-f]*|\d+)$/i.test(last)) {
      const nums = parts.map((p) =>
        /^0x[0-9a-f]*$/i.test(p)
          ? parseInt(p.slice(2) || "0", 16)
          : /^0[0-7]+$/.test(p)
            ? parseInt(p, 8)
            : /^\d+$/.test(p)
              ? Number(p)
              : NaN,
      );
      if (nums.some((n) => Number.isNaN(n)) || nums.length > 4) throw invalid(input);
      let v = nums[nums.length - 1];
      if (v >= 256 ** (5 - nums.length)) throw invalid(input);
      for (let i = 0; i < nums.length - 1; i++) {
        if (nums[i] > 255) throw invalid(input);
        v += nums[i] * 256 ** (3 - i);
      }
      return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
    }
    return host;
  }
  function normPath(segments) {
    const out = [];
    for (const raw of segments) {
      const s = raw.toLowerCase();
      if (s === ".." || s === ".%2e" || s === "%2e." || s === "%2e%2e") {
        out.pop();
      } else if (s !== "." && s !== "%2e") out.push(raw);
    }
    const last = segments[segments.length - 1]?.toLowerCase();
    if (
      last === "." ||
      last === ".." ||
      last === "%2e" ||
      last === "%2e%2e" ||
      last === ".%2e" ||
      last === "%2e."
    )
      out.push("");
    return out;
  }
  /**
   * The common case of a request URL, in one regex instead of the general parser's dozen passes
   * (~50 µs per parse in QuickJS): `http(s)://host[:port][/path][?query]` with a lowercase host
   * name or a canonical dotted-quad address, a port without leading zeros, and only characters
   * the general parser copies unchanged (RFC 3986 path and query characters: nothing to trim,
   * percent-encode or turn from `\` into `/`; no credentials, no fragment). Dot segments and
   * numeric hosts in other forms (`0x7f.1`, `127.1`) are left to the general parser. Within
   * these bounds the result is the general parser's by construction; test/url-fast.test.ts
   * compares both, and Node's URL, on edge cases.
   */
  const FAST_RE =
    /^(https?):\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::([1-9][0-9]{0,4}))?((?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@%]*)*)(?:\?([A-Za-z0-9\-._~!$&()*+,;=:@%/?]*))?$/;
  const NUMERIC_LABEL = /(?:^|\.)(?:0x[0-9a-f]*|\d+)$/;
  const DOTTED_QUAD =
    /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
  const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:\/|$)/i;
  function parseFast(s) {
    const m = FAST_RE.exec(s);
    if (m === null) return null;
    const [, scheme, hostname, port = "", path, query] = m;
    if (NUMERIC_LABEL.test(hostname) && !DOTTED_QUAD.test(hostname)) return null;
    if (port !== "" && Number(port) > 65535) return null;
    if (DOT_SEGMENT.test(path)) return null;
    const protocol = scheme + ":";
    return {
      protocol,
      username: "",
      password: "",
      hostname,
      port: port === SPECIAL[protocol] ? "" : port,
      pathname: path === "" ? "/" : path,
      search: query === undefined || query === "" ? "" : "?" + query,
      hash: "",
      opaque: false,
    };
  }
  function parse(input, base) {
    // A base never matters for an absolute http(s) URL; without one is the request case.
    if (base === undefined) {
      const fast = parseFast(String(input));
      if (fast !== null) return fast;
    }
    let s = String(input)
      .replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "")
      .replace(/[\t\n\r]/g, "");
    const r = {
      protocol: "",
      username: "",
      password: "",
      hostname: "",
      port: "",
      pathname: "",
      search: "",
      hash: "",
      opaque: false,
    };
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
    let rest;
    if (m) {
      r.protocol = m[1].toLowerCase() + ":";
      rest = s.slice(m[0].length);
      const special = r.protocol in SPECIAL;
      if (special) rest = rest.replace(/\\/g, "/");
      if (special && base && base.protocol === r.protocol && !rest.startsWith("/"))
        return relative(rest, base, input);
      if (rest.startsWith("//") || (special && r.protocol !== "file:")) {
        rest = r.protocol === "file:" ? rest.slice(2) : rest.replace(/^\/*/, "");
        return authority(r, rest, special, input);
      }
      if (r.protocol === "file:")
        return authority(r, rest.startsWith("/") ? rest : `/${rest}`, true, input);
      // opaque or path-only URL
      const hi = rest.indexOf("#");
      if (hi >= 0) {
        r.hash = "#" + enc(rest.slice(hi + 1), FRAG_RE);
        rest = rest.slice(0, hi);
      }
      const qi = rest.indexOf("?");
      if (qi >= 0) {
        r.search = "?" + enc(rest.slice(qi + 1), QUERY_RE);
        rest = rest.slice(0, qi);
      }
      r.opaque = !rest.startsWith("/");
      r.pathname = r.opaque
        ? enc(rest, /[\u0000-\u001f\u007f-\uffff]/g)
        : "/" +
          normPath(rest.slice(1).split("/"))
            .map((x) => enc(x, PATH_RE))
            .join("/");
      return r;
    }
    if (!base) throw invalid(input);
    if (base.opaque) {
      if (s.startsWith("#")) return { ...base, hash: "#" + enc(s.slice(1), FRAG_RE) };
      throw invalid(input);
    }
    return relative(base.protocol in SPECIAL ? s.replace(/\\/g, "/") : s, base, input);
  }
  function relative(s, base, input) {
    const r = { ...base, hash: "" };
    if (s.startsWith("//"))
      return authority(
        { ...r, username: "", password: "", port: "" },
        s.slice(2),
        r.protocol in SPECIAL,
        input,
      );
    let hash = "";
    const hi = s.indexOf("#");
    if (hi >= 0) {
      hash = "#" + enc(s.slice(hi + 1), FRAG_RE);
      s = s.slice(0, hi);
    }
    let search = null;
    const qi = s.indexOf("?");
    if (qi >= 0) {
      search = s.slice(qi + 1);
      s = s.slice(0, qi);
    }
    if (s === "") {
      r.search =
        search === null
          ? base.search
          : search === ""
            ? ""
            : "?" + enc(search, r.protocol in SPECIAL ? SQUERY_RE : QUERY_RE);
    } else {
      const segs = s.startsWith("/")
        ? s.slice(1).split("/")
        : [...base.pathname.split("/").slice(1, -1), ...s.split("/")];
      r.pathname =
        "/" +
        normPath(segs)
          .map((x) => enc(x, PATH_RE))
          .join("/");
      r.search =
        search === null || search === ""
          ? ""
          : "?" + enc(search, r.protocol in SPECIAL ? SQUERY_RE : QUERY_RE);
    }
    r.hash = hash;
    return r;
  }
  function authority(r, rest, special, input) {
    const end = rest.search(special ? /[/?#\\]/ : /[/?#]/);
    let auth = end < 0 ? rest : rest.slice(0, end);
    let tail = end < 0 ? "" : rest.slice(end);
    const at = auth.lastIndexOf("@");
    if (at >= 0) {
      const cred = auth.slice(0, at);
      auth = auth.slice(at + 1);
      const ci = cred.indexOf(":");
      r.username = enc(ci >= 0 ? cred.slice(0, ci) : cred, USER_RE);
      r.password = ci >= 0 ? enc(cred.slice(ci + 1), USER_RE) : "";
    }
    const pm = /:(\d*)$/.exec(auth);
    if (pm && !auth.endsWith("]")) {
      auth = auth.slice(0, pm.index);
      if (pm[1] !== "") {
        const port = Number(pm[1]);
        if (port > 65535) throw invalid(input);
        r.port = String(port) === SPECIAL[r.protocol] ? "" : String(port);
      }
    } else if (/:[^\]]*$/.test(auth) && !auth.startsWith("[")) throw invalid(input);
    if (auth === "" && special && r.protocol !== "file:") throw invalid(input);
    r.hostname = parseHost(auth, special, input);
    const hi = tail.indexOf("#");
    if (hi >= 0) {
      r.hash = "#" + enc(tail.slice(hi + 1), FRAG_RE);
      tail = tail.slice(0, hi);
    }
    const qi = tail.indexOf("?");
    if (qi >= 0) {
      const q = tail.slice(qi + 1);
      r.search = q === "" ? "" : "?" + enc(q, special ? SQUERY_RE : QUERY_RE);
      tail = tail.slice(0, qi);
    }
    if (special) tail = tail.replace(/\\/g, "/");
    r.pathname =
      tail === ""
        ? special
          ? "/"
          : ""
        : "/" +
          normPath(tail.slice(1).split("/"))
            .map((x) => enc(x, PATH_RE))
            .join("/");
    return r;
  }
  const kState = Symbol("state");
  class URLSearchParams {
    constructor(init = "") {
      this._list = [];
      this._url = null;
      if (typeof init === "object" && init !== null) {
        if (typeof init[Symbol.iterator] === "function") {
          for (const pair of init) {
            const p = [...pair];
            if (p.length !== 2)
              throw new TypeError("Each query pair must be an iterable [name, value] tuple");
            this._list.push([String(p[0]), String(p[1])]);
          }
        } else for (const k of Object.keys(init)) this._list.push([k, String(init[k])]);
      } else this._parse(String(init));
    }
    _parse(s) {
      this._list = [];
      if (s.startsWith("?")) s = s.slice(1);
      for (const part of s.split("&")) {
        if (part === "") continue;
        const i = part.indexOf("=");
        const d = (x) => {
          try {
            return decodeURIComponent(x.replace(/\+/g, " "));
          } catch {
            return x.replace(/\+/g, " ");
          }
        };
        this._list.push(i >= 0 ? [d(part.slice(0, i)), d(part.slice(i + 1))] : [d(part), ""]);
      }
    }
    _update() {
      if (this._url) {
        const s = this.toString();
        this._url[kState].search = s === "" ? "" : "?" + s;
      }
    }
    get size() {
      return this._list.length;
    }
    append(k, v) {
      this._list.push([String(k), String(v)]);
      this._update();
    }
    delete(k, v) {
      this._list = this._list.filter(
        ([a, b]) => !(a === String(k) && (v === undefined || b === String(v))),
      );
      this._update();
    }
    get(k) {
      const e = this._list.find(([a]) => a === String(k));
      return e ? e[1] : null;
    }
    getAll(k) {
      return this._list.filter(([a]) => a === String(k)).map(([, b]) => b);
    }
    has(k, v) {
      return this._list.some(([a, b]) => a === String(k) && (v === undefined || b === String(v)));
    }
    set(k, v) {
      const key = String(k);
      const i = this._list.findIndex(([a]) => a === key);
      if (i < 0) this._list.push([key, String(v)]);
      else {
        this._list[i][1] = String(v);
        this._list = this._list.filter(([a], j) => a !== key || j === i);
      }
      this._update();
    }
    sort() {
      this._list = this._list
        .map((e, i) => [e, i])
        .sort((x, y) => (x[0][0] < y[0][0] ? -1 : x[0][0] > y[0][0] ? 1 : x[1] - y[1]))
        .map(([e]) => e);
      this._update();
    }
    forEach(fn, thisArg) {
      for (const [k, v] of this._list) fn.call(thisArg, v, k, this);
    }
    keys() {
      return this._list.map(([k]) => k)[Symbol.iterator]();
    }
    values() {
      return this._list.map(([, v]) => v)[Symbol.iterator]();
    }
    entries() {
      return this._list.map(([k, v]) => [k, v])[Symbol.iterator]();
    }
    [Symbol.iterator]() {
      return this.entries();
    }
    toString() {
      const e = (s) =>
        encodeURIComponent(s)
          .replace(/%20/g, "+")
          .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
      return this._list.map(([k, v]) => `${e(k)}=${e(v)}`).join("&");
    }
    [Symbol.for("nodejs.util.inspect.custom")]() {
      return `URLSearchParams {${this._list.map(([k, v]) => ` '${k}' => '${v}'`).join(",")}${this._list.length ? " " : ""}}`;
    }
  }
  class URL {
    constructor(input, base) {
      const b =
        base === undefined ? undefined : base instanceof URL ? base[kState] : parse(String(base));
      this[kState] = parse(String(input), b);
      this._sp = null;
    }
    static canParse(input, base) {
      try {
        new URL(input, base);
        return true;
      } catch {
        return false;
      }
    }
    static parse(input, base) {
      try {
        return new URL(input, base);
      } catch {
        return null;
      }
    }
    get protocol() {
      return this[kState].protocol;
    }
    set protocol(v) {
      const p = String(v).replace(/:.*$/, "").toLowerCase() + ":";
      if (p in SPECIAL === this[kState].protocol in SPECIAL) this[kState].protocol = p;
    }
    get username() {
      return this[kState].username;
    }
    set username(v) {
      this[kState].username = enc(String(v), USER_RE);
    }
    get password() {
      return this[kState].password;
    }
    set password(v) {
      this[kState].password = enc(String(v), USER_RE);
    }
    get hostname() {
      return this[kState].hostname;
    }
    set hostname(v) {
      this[kState].hostname = parseHost(String(v), this[kState].protocol in SPECIAL, v);
    }
    get port() {
      return this[kState].port;
    }
    set port(v) {
      const s = String(v);
      if (s === "") this[kState].port = "";
      else if (/^\d+/.test(s)) {
        const n = parseInt(s, 10);
        if (n <= 65535)
          this[kState].port = String(n) === SPECIAL[this[kState].protocol] ? "" : String(n);
      }
    }
    get host() {
      const s = this[kState];
      return s.hostname + (s.port ? ":" + s.port : "");
    }
    set host(v) {
      const m = /^(.*?)(?::(\d*))?$/.exec(String(v));
      this.hostname = m[1];
      if (m[2] !== undefined) this.port = m[2];
    }
    get origin() {
      const s = this[kState];
      return s.protocol in SPECIAL && s.protocol !== "file:"
        ? `${s.protocol}//${this.host}`
        : "null";
    }
    get pathname() {
      return this[kState].pathname;
    }
    set pathname(v) {
      const s = this[kState];
      if (s.opaque) return;
      let p = String(v);
      if (s.protocol in SPECIAL) p = p.replace(/\\/g, "/");
      if (!p.startsWith("/")) p = "/" + p;
      s.pathname =
        "/" +
        normPath(p.slice(1).split("/"))
          .map((x) => enc(x, PATH_RE))
          .join("/");
    }
    get search() {
      return this[kState].search.length > 1 ? this[kState].search : "";
    }
    set search(v) {
      const q = String(v).replace(/^\?/, "");
      this[kState].search =
        q === "" ? "" : "?" + enc(q, this[kState].protocol in SPECIAL ? SQUERY_RE : QUERY_RE);
      if (this._sp) this._sp._parse(q);
    }
    get searchParams() {
      if (!this._sp) {
        this._sp = new URLSearchParams(this.search);
        this._sp._url = this;
      }
      return this._sp;
    }
    get hash() {
      return this[kState].hash.length > 1 ? this[kState].hash : "";
    }
    set hash(v) {
      const h = String(v).replace(/^#/, "");
      this[kState].hash = h === "" ? "" : "#" + enc(h, FRAG_RE);
    }
    get href() {
      const s = this[kState];
      if (s.opaque) return s.protocol + s.pathname + s.search + s.hash;
      const cred =
        s.username || s.password ? s.username + (s.password ? ":" + s.password : "") + "@" : "";
      const auth =
        s.hostname !== "" || s.protocol === "file:" || s.protocol in SPECIAL
          ? "//" + cred + this.host
          : "";
      return s.protocol + auth + s.pathname + s.search + s.hash;
    }
    set href(v) {
      this[kState] = parse(String(v));
      if (this._sp) this._sp._parse(this.search);
    }
    toString() {
      return this.href;
    }
    toJSON() {
      return this.href;
    }
    [Symbol.for("nodejs.util.inspect.custom")]() {
      const o = {};
      for (const k of [
        "href",
        "origin",
        "protocol",
        "username",
        "password",
        "host",
        "hostname",
        "port",
        "pathname",
        "search",
        "searchParams",
        "hash",
      ])
        o[k] = this[k];
      return `URL ${internals.inspect(o)}`;
    }
  }
  function fileURLToPath(u) {
    const url = typeof u === "string" ? new URL(u) : u;
    if (!(url instanceof URL)) {
      const e = new TypeError(
        `The "path" argument must be of type string or an instance of URL. Received ${internals.inspect(u)}`,
      );
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
    if (url.protocol !== "file:") {
      const e = new TypeError("The URL must be of scheme file");
      e.code = "ERR_INVALID_URL_SCHEME";
      throw e;
    }
    if (url.hostname !== "") {
      const e = new TypeError(`File URL host must be "localhost" or empty on linux`);
      e.code = "ERR_INVALID_FILE_URL_HOST";
      throw e;
    }
    if (/%2f/i.test(url.pathname)) {
      const e = new TypeError("File URL path must not include encoded / characters");
      e.code = "ERR_INVALID_FILE_URL_PATH";
      throw e;
    }
    return decodeURIComponent(url.pathname);
  }
  function pathToFileURL(p) {
    const path = require("path");
    let resolved = path.resolve(p);
    if (p.endsWith("/") && !resolved.endsWith("/")) resolved += "/";
    const u = new URL("file://");
    u.pathname = resolved
      .replace(/%/g, "%25")
      .replace(/\\/g, "%5C")
      .replace(/\n/g, "%0A")
      .replace(/\r/g, "%0D")
      .replace(/\t/g, "%09")
      .replace(/#/g, "%23")
      .replace(/\?/g, "%3F");
    return u;
  }
  function format(u, options = {}) {
    if (u instanceof URL) {
      let s = u.href;
      if (options.fragment === false) s = s.replace(/#.*$/, "");
      if (options.search === false) s = s.replace(/\?[^#]*/, "");
      if (options.auth === false) s = s.replace(/\/\/[^@/]*@/, "//");
      return s;
    }
    if (typeof u === "string") return u;
    const proto = u.protocol ? (u.protocol.endsWith(":") ? u.protocol : u.protocol + ":") : "";
    const host = u.host ?? (u.hostname ? u.hostname + (u.port ? ":" + u.port : "") : "");
    const slashes = u.slashes || proto in SPECIAL ? "//" : "";
    let search = u.search ?? "";
    if (!search && u.query && typeof u.query === "object") {
      const q = require("querystring").stringify(u.query);
      search = q ? "?" + q : "";
    }
    if (search && !search.startsWith("?")) search = "?" + search;
    const hash = u.hash ? (u.hash.startsWith("#") ? u.hash : "#" + u.hash) : "";
    return (
      proto +
      (host ? slashes + (u.auth ? u.auth + "@" : "") + host : "") +
      (u.pathname ?? "") +
      search +
      hash
    );
  }
  function legacyParse(s, parseQuery) {
    const u = new URL(s);
    const query = u.search.slice(1);
    return {
      protocol: u.protocol,
      slashes: true,
      auth: u.username ? u.username + (u.password ? ":" + u.password : "") : null,
      host: u.host,
      port: u.port || null,
      hostname: u.hostname,
      hash: u.hash || null,
      search: u.search || null,
      query: parseQuery ? require("querystring").parse(query) : query || null,
      pathname: u.pathname,
      path: u.pathname + u.search,
      href: u.href,
    };
  }
  module.exports = {
    URL,
    URLSearchParams,
    fileURLToPath,
    pathToFileURL,
    format,
    parse: legacyParse,
    resolve: (from, to) =>
      new URL(to, new URL(from, "resolve://")).href.replace(/^resolve:\/\/\/?/, ""),
    domainToASCII: (d) => d.toLowerCase(),
    domainToUnicode: (d) => d,
  };
}
