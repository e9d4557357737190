// @ts-nocheck — this function runs inside the guest (QuickJS), not in Node; see prelude.ts.
/**
 * The guest's own `process`: argv/env of the current run (set by the host before each run),
 * `exit` (stops the guest at once: the host's interrupt handler fires on the spin below), stdio
 * writers and a tiny event emitter. Nothing here refers to a host object.
 */
export function installProcess(g, host, internals) {
  const listeners = new Map();
  let info = { argv: ["airlock", "/main.js"], env: {}, stdin: "" };
  let exitCode;
  const stop = () => {
    for (;;) {} // the interrupt handler sees the stop flag and ends the guest here
  };
  const makeWriter = (fd) => ({
    fd,
    isTTY: false,
    writable: true,
    write(chunk, encoding, cb) {
      const text =
        typeof chunk === "string"
          ? chunk
          : chunk instanceof Uint8Array
            ? internals.decodeUtf8(chunk)
            : String(chunk);
      internals.write(fd, text);
      if (typeof encoding === "function") encoding();
      else if (typeof cb === "function") cb();
      return true;
    },
    end(chunk) {
      if (chunk !== undefined) this.write(chunk);
    },
    on() {
      return this;
    },
    once() {
      return this;
    },
  });
  const stdin = {
    fd: 0,
    isTTY: false,
    encoding: null,
    setEncoding(enc) {
      this.encoding = enc;
      return this;
    },
    resume() {
      return this;
    },
    pause() {
      return this;
    },
    on(event, fn) {
      if (event === "data" || event === "end" || event === "readable") {
        internals.nextMacrotask(() => {
          if (event === "data" && info.stdin.length > 0)
            fn(this.encoding ? info.stdin : internals.encodeUtf8(info.stdin));
          if (event === "end") internals.nextMacrotask(() => fn());
        });
      }
      return this;
    },
    read() {
      const s = info.stdin;
      info = { ...info, stdin: "" };
      return s === "" ? null : s;
    },
  };
  stdin.once = stdin.on;
  stdin.addListener = stdin.on;

  const start = Date.now();
  const process = {
    title: "airlock",
    platform: "linux",
    arch: "wasm32",
    version: "v20.20.0",
    versions: { node: "20.20.0", airlock: "0.1.0", quickjs: "ng" },
    release: { name: "node" },
    pid: 1,
    ppid: 0,
    execPath: "/usr/local/bin/airlock",
    execArgv: [],
    get argv() {
      return info.argv;
    },
    get argv0() {
      return "airlock";
    },
    get env() {
      return info.env;
    },
    set env(v) {
      info = { ...info, env: v };
    },
    get exitCode() {
      return exitCode;
    },
    set exitCode(v) {
      exitCode = v;
    },
    cwd: () => "/",
    chdir() {
      throw Object.assign(new Error("process.chdir() is not supported in the sandbox"), {
        code: "ERR_UNSUPPORTED",
      });
    },
    uptime: () => (Date.now() - start) / 1000,
    hrtime: Object.assign(
      (prev) => {
        const ns = BigInt(Math.round(internals.now() * 1e6));
        let s = Number(ns / 1000000000n);
        let n = Number(ns % 1000000000n);
        if (Array.isArray(prev)) {
          s -= prev[0];
          n -= prev[1];
          if (n < 0) {
            s--;
            n += 1e9;
          }
        }
        return [s, n];
      },
      { bigint: () => BigInt(Math.round(internals.now() * 1e6)) },
    ),
    memoryUsage: Object.assign(
      () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
      {
        rss: () => 0,
      },
    ),
    nextTick: (fn, ...args) => internals.nextTick(fn, args),
    exit(code) {
      const c = code === undefined ? exitCode : code;
      const n = c === undefined || c === null ? 0 : Number(c) | 0;
      exitCode = n;
      internals.emitExit(n);
      host.call("process.exit", [n]);
      stop();
    },
    abort() {
      host.call("process.exit", [134]);
      stop();
    },
    kill() {
      throw Object.assign(new Error("process.kill() is not supported in the sandbox"), {
        code: "ERR_UNSUPPORTED",
      });
    },
    emitWarning(w) {
      internals.write(2, `(node:1) ${typeof w === "string" ? `Warning: ${w}` : String(w)}\n`);
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, []);
      listeners.get(event).push(fn);
      return process;
    },
    off(event, fn) {
      const l = listeners.get(event);
      if (l)
        listeners.set(
          event,
          l.filter((f) => f !== fn),
        );
      return process;
    },
    emit(event, ...args) {
      const l = listeners.get(event);
      if (!l || l.length === 0) return false;
      for (const f of [...l]) f.apply(process, args);
      return true;
    },
    listenerCount: (event) => (listeners.get(event) ?? []).length,
    stdout: makeWriter(1),
    stderr: makeWriter(2),
    stdin,
  };
  process.once = process.on;
  process.addListener = process.on;
  process.removeListener = process.off;
  process.removeAllListeners = (event) => {
    if (event === undefined) listeners.clear();
    else listeners.delete(event);
    return process;
  };
  let exiting = false;
  internals.emitExit = (code) => {
    if (exiting) return;
    exiting = true;
    process.emit("exit", code);
  };
  internals.setRunInfo = (json) => {
    const r = JSON.parse(json);
    info = { argv: r.argv, env: Object.assign({}, r.env), stdin: r.stdin };
    exitCode = undefined;
    exiting = false;
    listeners.clear();
  };
  internals.exitCode = () =>
    exitCode === undefined || exitCode === null ? 0 : Number(exitCode) | 0;
  internals.process = process;
  Object.defineProperty(g, "process", {
    value: process,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
