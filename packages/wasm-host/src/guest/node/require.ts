// @ts-nocheck — this function runs inside the guest (QuickJS), not in Node; see prelude.ts.
/**
 * The guest's `require` and the lazy Node globals. Builtin module sources sit in the prelude as
 * strings (`internals.nodeSources`, cheap to parse) and are compiled on first `require`, so a
 * run that uses none of them pays nothing. Files load through the `fs.call` op (the run's vfs).
 * Error messages name sandbox paths only.
 */
export function installRequire(g, host, internals) {
  const evalScript = g.eval; // captured before guest code can replace it
  const sources = internals.nodeSources;
  const builtins = new Map(internals.builtinNames.map((n) => [n, true]));
  const unsupported = internals.unsupportedNames;
  const cache = new Map();
  const fileCache = Object.create(null);
  const notFound = (id, from) => {
    const e = new Error(`Cannot find module '${id}'${from ? `\nRequire stack:\n- ${from}` : ""}`);
    e.code = "MODULE_NOT_FOUND";
    e.requireStack = from ? [from] : [];
    return e;
  };
  const stub = (name) => {
    const fail = (fn) =>
      function () {
        const e = new Error(`${name}.${fn} is not supported in the Airlock sandbox`);
        e.code = "ERR_AIRLOCK_UNSUPPORTED";
        throw e;
      };
    const names =
      {
        net: [
          "createServer",
          "createConnection",
          "connect",
          "Socket",
          "Server",
          "isIP",
          "isIPv4",
          "isIPv6",
        ],
        http: [
          "createServer",
          "request",
          "get",
          "Agent",
          "Server",
          "IncomingMessage",
          "ServerResponse",
        ],
        https: ["createServer", "request", "get", "Agent", "Server"],
        http2: ["connect", "createServer", "createSecureServer"],
        dns: ["lookup", "resolve", "resolve4", "resolve6", "reverse"],
        worker_threads: ["Worker", "MessageChannel", "MessagePort"],
        vm: [
          "runInNewContext",
          "runInThisContext",
          "runInContext",
          "createContext",
          "Script",
          "compileFunction",
        ],
        cluster: ["fork", "setupPrimary"],
        dgram: ["createSocket", "Socket"],
        inspector: ["open", "close", "url", "Session"],
        v8: ["serialize", "deserialize", "getHeapStatistics", "setFlagsFromString"],
        tls: ["connect", "createServer", "createSecureContext"],
        zlib: [
          "gzipSync",
          "gunzipSync",
          "deflateSync",
          "inflateSync",
          "createGzip",
          "createGunzip",
        ],
        readline: ["createInterface"],
      }[name.split("/")[0]] ?? [];
    const m = {};
    for (const n of names) m[n] = fail(n);
    if (name === "worker_threads")
      Object.assign(m, { isMainThread: true, parentPort: null, workerData: null, threadId: 0 });
    if (name === "cluster") Object.assign(m, { isPrimary: true, isMaster: true, isWorker: false });
    return m;
  };
  function loadBuiltin(name) {
    const hit = cache.get(name);
    if (hit !== undefined) return hit.exports;
    const module = { exports: {}, id: name, loaded: false };
    cache.set(name, module);
    switch (name) {
      case "process":
        module.exports = g.process;
        break;
      case "assert/strict":
        module.exports = loadBuiltin("assert").strict;
        break;
      case "path/posix":
        module.exports = loadBuiltin("path");
        break;
      case "util/types":
        module.exports = loadBuiltin("util").types;
        break;
      case "fs/promises":
        module.exports = loadBuiltin("fs").promises;
        break;
      case "stream/promises":
        module.exports = loadBuiltin("stream").promises;
        break;
      default:
        if (unsupported.includes(name)) module.exports = stub(name);
        else {
          const fn = evalScript(`(${sources[name]})`);
          fn(module, module.exports, loadBuiltin, internals, host, g);
        }
    }
    module.loaded = true;
    return module.exports;
  }
  internals.loadBuiltin = loadBuiltin;
  const builtinName = (id) => {
    const n = id.startsWith("node:") ? id.slice(5) : id;
    return builtins.has(n) ? n : null;
  };
  const pathMod = () => loadBuiltin("path");
  const tryFile = (p) => {
    try {
      const st = host.call("fs.call", ["stat", "stat", p]);
      return st.type === "file";
    } catch {
      return false;
    }
  };
  function resolveFile(id, dir, from) {
    const path = pathMod();
    const base = path.resolve(dir, id);
    for (const c of [
      base,
      `${base}.js`,
      `${base}.json`,
      `${base}.cjs`,
      `${base}/index.js`,
      `${base}/index.json`,
    ])
      if (tryFile(c)) return c;
    throw notFound(id, from);
  }
  function loadFile(filename) {
    const hit = fileCache[filename];
    if (hit !== undefined) return hit.exports;
    const bytes = host.call("fs.call", ["readFile", "open", filename]);
    let text = internals.decodeUtf8(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // Node's stripBOM
    const module = { id: filename, filename, exports: {}, loaded: false, children: [], paths: [] };
    fileCache[filename] = module;
    try {
      if (filename.endsWith(".json")) module.exports = JSON.parse(text);
      else {
        const dirname = pathMod().dirname(filename);
        const fn = evalScript(
          `(function (exports, require, module, __filename, __dirname) {${text.replace(/^#!.*/, "")}\n})`,
        );
        fn.call(
          module.exports,
          module.exports,
          makeRequire(
            () => dirname,
            () => filename,
          ),
          module,
          filename,
          dirname,
        );
      }
    } catch (e) {
      delete fileCache[filename];
      throw e;
    }
    module.loaded = true;
    return module.exports;
  }
  function makeRequire(dir, from) {
    const require = function require(id) {
      if (typeof id !== "string") {
        const e = new TypeError(
          `The "id" argument must be of type string. Received ${internals.inspect(id)}`,
        );
        e.code = "ERR_INVALID_ARG_TYPE";
        throw e;
      }
      if (id === "") {
        const e = new TypeError("The argument 'id' must be a non-empty string. Received ''");
        e.code = "ERR_INVALID_ARG_VALUE";
        throw e;
      }
      const b = builtinName(id);
      if (b !== null) return loadBuiltin(b);
      if (
        id.startsWith("./") ||
        id.startsWith("../") ||
        id.startsWith("/") ||
        id === "." ||
        id === ".."
      )
        return loadFile(resolveFile(id, dir(), from()));
      throw notFound(id, from());
    };
    require.resolve = (id) => {
      const b = builtinName(id);
      if (b !== null) return id.startsWith("node:") ? id : b;
      if (id.startsWith("./") || id.startsWith("../") || id.startsWith("/"))
        return resolveFile(id, dir(), from());
      throw notFound(id, from());
    };
    require.resolve.paths = () => null;
    require.cache = fileCache;
    require.main = undefined;
    return require;
  }
  const mainFile = () => {
    const f = g.process.argv[1] ?? "main.js";
    return f.startsWith("/") ? f : pathMod().resolve(f);
  };
  const mainRequire = makeRequire(
    () => pathMod().dirname(mainFile()),
    () => mainFile(),
  );
  const define = (name, value) =>
    Object.defineProperty(g, name, {
      value,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  define("require", mainRequire);
  Object.defineProperty(g, "__airlockRequire", {
    value: (name) => loadBuiltin(name),
    writable: false,
    configurable: false,
    enumerable: false,
  });
  const lazy = (name, get) =>
    Object.defineProperty(g, name, {
      configurable: true,
      enumerable: false,
      get() {
        const v = get();
        define(name, v);
        return v;
      },
      set(v) {
        define(name, v);
      },
    });
  const web = () => loadBuiltin("internal/web");
  const fetchMod = () => loadBuiltin("internal/fetch");
  lazy("Buffer", () => loadBuiltin("buffer").Buffer);
  lazy("URL", () => loadBuiltin("url").URL);
  lazy("URLSearchParams", () => loadBuiltin("url").URLSearchParams);
  for (const n of [
    "TextEncoder",
    "TextDecoder",
    "atob",
    "btoa",
    "DOMException",
    "Event",
    "EventTarget",
    "AbortController",
    "AbortSignal",
    "structuredClone",
  ])
    lazy(n, () => web()[n]);
  for (const n of ["fetch", "Headers", "Request", "Response", "FormData"])
    lazy(n, () => fetchMod()[n]);
  lazy("crypto", () => loadBuiltin("crypto").webcrypto);
  // process additions that need the host or other modules
  const p = internals.process;
  p.cwd = () => host.call("fs.call", ["cwd", "cwd"]);
  const wrapStream = (w) => {
    w.writableLength = 0;
    w.writableHighWaterMark = 16384;
    w.writableEnded = false;
    w.columns = undefined;
    w.getColorDepth = () => 1;
    w.hasColors = () => false;
    w.cork = () => undefined;
    w.uncork = () => undefined;
    w.emit = () => false;
    w.removeListener = () => w;
    w.off = () => w;
    w.addListener = w.on;
    w.prependListener = w.on;
    w.listenerCount = () => 0;
    w.setDefaultEncoding = () => w;
    w.destroy = () => w;
  };
  wrapStream(p.stdout);
  wrapStream(p.stderr);
  p.features = { inspector: false, ipv6: false, tls: false };
  p.config = { variables: {} };
  p.allowedNodeEnvironmentFlags = new Set();
  p.umask = () => 0o22;
  p.getuid = () => 1000;
  p.getgid = () => 1000;
  p.geteuid = () => 1000;
  p.getegid = () => 1000;
  p.cpuUsage = () => ({ user: 0, system: 0 });
  p.resourceUsage = () => ({ userCPUTime: 0, systemCPUTime: 0, maxRSS: 0 });
  p.emitWarning = (w, type) => {
    const name = typeof type === "string" ? type : w instanceof Error ? w.name : "Warning";
    internals.write(2, `(node:1) ${name}: ${w instanceof Error ? w.message : String(w)}\n`);
  };
}
