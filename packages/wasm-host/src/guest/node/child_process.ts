// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first require (see require.ts).
/**
 * `child_process` through the host's `child.*` ops: every command is checked against the
 * config's command rules and runs under bubblewrap on the host. Command strings (`exec`,
 * `execSync`) need a granted shell. Async children deliver their output when they exit.
 */
export function nodeChildProcess(module, exports, require, internals, host, g) {
  const { Buffer } = require("buffer");
  const EE = require("events");
  const { Readable, Writable } = require("stream");
  const unframe = (bytes) => {
    const b = Buffer.from(bytes);
    const n = b.readUInt32BE(0);
    const head = JSON.parse(b.subarray(4, 4 + n).toString());
    const body = b.subarray(4 + n);
    return {
      ...head,
      stdout: body.subarray(0, head.stdoutLength),
      stderr: body.subarray(head.stdoutLength),
    };
  };
  const normArgs = (file, args, options) => {
    if (!Array.isArray(args)) {
      options = args;
      args = [];
    }
    return { file: String(file), args: args.map(String), options: options ?? {} };
  };
  const hostOptions = (o, shell) => {
    const out = { shell: shell === true };
    if (typeof o.cwd === "string") out.cwd = o.cwd;
    else if (o.cwd && o.cwd.href) out.cwd = require("url").fileURLToPath(o.cwd);
    if (o.env && typeof o.env === "object")
      out.env = Object.fromEntries(
        Object.entries(o.env)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      );
    if (typeof o.timeout === "number") out.timeout = o.timeout;
    return out;
  };
  const decode = (buf, enc) => (enc && enc !== "buffer" ? buf.toString(enc) : buf);
  function spawnSync(file, args, options) {
    ({ file, args, options } = normArgs(file, args, options));
    const input =
      options.input === undefined
        ? undefined
        : typeof options.input === "string"
          ? Buffer.from(options.input)
          : Buffer.from(options.input);
    let r;
    try {
      r = unframe(
        host.call(
          "child.spawnSync",
          [
            file,
            args,
            hostOptions(options, options.shell === true || typeof options.shell === "string"),
          ],
          input,
        ),
      );
    } catch (e) {
      const err = new Error(e.message);
      err.code = e.code;
      err.syscall = `spawnSync ${file}`;
      err.path = file;
      err.spawnargs = args;
      return {
        pid: 0,
        output: null,
        stdout: null,
        stderr: null,
        status: null,
        signal: null,
        error: err,
      };
    }
    const stdout = decode(Buffer.from(r.stdout), options.encoding);
    const stderr = decode(Buffer.from(r.stderr), options.encoding);
    const result = {
      pid: 0,
      output: [null, stdout, stderr],
      stdout,
      stderr,
      status: r.status,
      signal: r.signal,
    };
    if (r.error)
      result.error = Object.assign(new Error(r.error.message), {
        code: r.error.code,
        errno: r.error.code === "ETIMEDOUT" ? -110 : -105,
        syscall: `spawnSync ${file}`,
        path: file,
        spawnargs: args,
      });
    return result;
  }
  function checkSync(r, cmd, options) {
    if (r.error) throw r.error;
    if (r.status !== 0) {
      const err = new Error(
        `Command failed: ${cmd}\n${Buffer.isBuffer(r.stderr) ? r.stderr.toString() : (r.stderr ?? "")}`,
      );
      Object.assign(err, {
        status: r.status,
        signal: r.signal,
        output: r.output,
        stdout: r.stdout,
        stderr: r.stderr,
        pid: r.pid,
      });
      throw err;
    }
    return r.stdout;
  }
  function execFileSync(file, args, options) {
    const n = normArgs(file, args, options);
    const r = spawnSync(n.file, n.args, n.options);
    return checkSync(r, [n.file, ...n.args].join(" "), n.options);
  }
  function execSync(command, options = {}) {
    const r = spawnSync(String(command), [], { ...options, shell: true });
    return checkSync(r, String(command), options);
  }
  class ChildProcess extends EE {
    constructor() {
      super();
      this.pid = undefined;
      this.exitCode = null;
      this.signalCode = null;
      this.killed = false;
      this.stdout = new Readable({ read() {} });
      this.stderr = new Readable({ read() {} });
      const self = this;
      this.stdin = new Writable({
        write(chunk, enc, cb) {
          if (self._id !== undefined) host.call("child.stdin", [self._id, false], chunk);
          cb();
        },
        final(cb) {
          if (self._id !== undefined) host.call("child.stdin", [self._id, true]);
          cb();
        },
      });
      this.stdio = [this.stdin, this.stdout, this.stderr];
    }
    kill(signal = "SIGTERM") {
      if (this._id === undefined || this.exitCode !== null) return false;
      this.killed = host.call("child.kill", [this._id, signal]);
      return this.killed;
    }
    ref() {}
    unref() {}
  }
  function spawn(file, args, options) {
    ({ file, args, options } = normArgs(file, args, options));
    const child = new ChildProcess();
    child.spawnfile = file;
    child.spawnargs = [file, ...args];
    try {
      const started = host.call("child.start", [
        file,
        args,
        hostOptions(options, options.shell === true || typeof options.shell === "string"),
      ]);
      child._id = started.id;
      child.pid = started.pid;
      g.process.nextTick(() => child.emit("spawn"));
      host.callAsync("child.wait", [started.id]).then(
        (bytes) => {
          const r = unframe(bytes);
          if (r.stdout.length) child.stdout.push(Buffer.from(r.stdout));
          if (r.stderr.length) child.stderr.push(Buffer.from(r.stderr));
          child.stdout.push(null);
          child.stderr.push(null);
          child.exitCode = r.status;
          child.signalCode = r.signal;
          if (r.error && r.error.code === "ETIMEDOUT") child.killed = true;
          g.setImmediate(() => {
            child.emit("exit", r.status, r.signal);
            g.setImmediate(() => child.emit("close", r.status, r.signal));
          });
        },
        (e) => child.emit("error", e),
      );
    } catch (e) {
      const err = new Error(e.message);
      err.code = e.code;
      err.syscall = `spawn ${file}`;
      err.path = file;
      err.spawnargs = args;
      g.process.nextTick(() => {
        child.emit("error", err);
        child.stdout.push(null);
        child.stderr.push(null);
        child.emit("close", -2, null);
      });
    }
    return child;
  }
  function collect(child, options, cb, cmd) {
    const out = [];
    const err = [];
    child.stdout.on("data", (c) => out.push(c));
    child.stderr.on("data", (c) => err.push(c));
    let failed = null;
    child.on("error", (e) => {
      failed = e;
    });
    child.on("close", (code, signal) => {
      const enc = options.encoding ?? "utf8";
      const stdout = decode(Buffer.concat(out), enc);
      const stderr = decode(Buffer.concat(err), enc);
      if (!cb) return;
      if (failed) return cb(failed, stdout, stderr);
      if (code !== 0) {
        const e = new Error(`Command failed: ${cmd}\n${stderr}`);
        Object.assign(e, { code, killed: child.killed, signal, cmd, stdout, stderr });
        return cb(e, stdout, stderr);
      }
      cb(null, stdout, stderr);
    });
    return child;
  }
  function execFile(file, args, options, cb) {
    if (typeof args === "function") {
      cb = args;
      args = [];
      options = {};
    } else if (typeof options === "function") {
      cb = options;
      if (!Array.isArray(args)) {
        options = args;
        args = [];
      } else options = {};
    }
    const n = normArgs(file, args, options);
    return collect(spawn(n.file, n.args, n.options), n.options, cb, [n.file, ...n.args].join(" "));
  }
  function exec(command, options, cb) {
    if (typeof options === "function") {
      cb = options;
      options = {};
    }
    options = options ?? {};
    return collect(
      spawn(String(command), [], { ...options, shell: true }),
      options,
      cb,
      String(command),
    );
  }
  const unsupported = (name) => () => {
    throw Object.assign(new Error(`child_process.${name} is not supported in the sandbox`), {
      code: "ERR_AIRLOCK_UNSUPPORTED",
    });
  };
  const util = require("util");
  exec[util.promisify.custom] = (cmd, o) =>
    new Promise((resolve, reject) =>
      exec(cmd, o ?? {}, (e, stdout, stderr) =>
        e ? reject(Object.assign(e, { stdout, stderr })) : resolve({ stdout, stderr }),
      ),
    );
  execFile[util.promisify.custom] = (f, a, o) =>
    new Promise((resolve, reject) =>
      execFile(f, a ?? [], o ?? {}, (e, stdout, stderr) =>
        e ? reject(Object.assign(e, { stdout, stderr })) : resolve({ stdout, stderr }),
      ),
    );
  module.exports = {
    spawn,
    spawnSync,
    exec,
    execSync,
    execFile,
    execFileSync,
    fork: unsupported("fork"),
    ChildProcess,
  };
}
