// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first require (see require.ts).
/**
 * `fs` and `fs/promises` over the host's `fs.call` op (the run's vfs). Sync, callback and
 * promise forms share one implementation; errors carry Node's code/errno/syscall/path.
 */
export function nodeFs(module, exports, require, internals, host, g) {
  const { Buffer } = require("buffer");
  const pathToString = (p, name = "path") => {
    if (typeof p === "string") return p;
    if (p instanceof Uint8Array) return Buffer.from(p).toString();
    if (p && typeof p === "object" && p.href !== undefined && p.protocol === "file:")
      return require("url").fileURLToPath(p);
    const e = new TypeError(
      `The "${name}" argument must be of type string or an instance of Buffer or URL. Received ${internals.inspect(p)}`,
    );
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  };
  const call = (method, syscall, ...args) => {
    const bytes =
      args.length && args[args.length - 1] instanceof Uint8Array ? args.pop() : undefined;
    try {
      return host.call("fs.call", [method, syscall, ...args], bytes);
    } catch (e) {
      if (typeof e.errno === "number") {
        const err = new Error(e.message);
        err.errno = e.errno;
        err.code = e.code;
        err.syscall = e.syscall;
        if (e.path !== undefined) err.path = e.path;
        if (e.dest !== undefined) err.dest = e.dest;
        throw err;
      }
      throw e;
    }
  };
  const S_IFMT = 0o170000;
  class Stats {
    constructor(s) {
      const kind = s.type === "dir" ? 0o040000 : s.type === "symlink" ? 0o120000 : 0o100000;
      this.dev = 1;
      this.mode = kind | s.mode;
      this.nlink = s.nlink;
      this.uid = 1000;
      this.gid = 1000;
      this.rdev = 0;
      this.blksize = 4096;
      this.ino = s.ino;
      this.size = s.size;
      this.blocks = Math.ceil(s.size / 512);
      this.atimeMs = s.atimeMs;
      this.mtimeMs = s.mtimeMs;
      this.ctimeMs = s.ctimeMs;
      this.birthtimeMs = s.birthtimeMs;
      this.atime = new Date(s.atimeMs);
      this.mtime = new Date(s.mtimeMs);
      this.ctime = new Date(s.ctimeMs);
      this.birthtime = new Date(s.birthtimeMs);
    }
    isFile() {
      return (this.mode & S_IFMT) === 0o100000;
    }
    isDirectory() {
      return (this.mode & S_IFMT) === 0o040000;
    }
    isSymbolicLink() {
      return (this.mode & S_IFMT) === 0o120000;
    }
    isFIFO() {
      return false;
    }
    isSocket() {
      return false;
    }
    isBlockDevice() {
      return false;
    }
    isCharacterDevice() {
      return false;
    }
  }
  class Dirent {
    constructor(name, type, parentPath) {
      this.name = name;
      this._type = type;
      this.parentPath = parentPath;
      this.path = parentPath;
    }
    isFile() {
      return this._type === "file";
    }
    isDirectory() {
      return this._type === "dir";
    }
    isSymbolicLink() {
      return this._type === "symlink";
    }
    isFIFO() {
      return false;
    }
    isSocket() {
      return false;
    }
    isBlockDevice() {
      return false;
    }
    isCharacterDevice() {
      return false;
    }
  }
  const encOf = (o) => (typeof o === "string" ? o : (o?.encoding ?? null));
  const flagOf = (o, def) => (typeof o === "object" && o !== null && o.flag ? o.flag : def);
  const toBytes = (data, enc) => {
    if (typeof data === "string") return Buffer.from(data, enc ?? "utf8");
    if (data instanceof Uint8Array) return data;
    if (ArrayBuffer.isView(data))
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const e = new TypeError(
      `The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${internals.inspect(data)}`,
    );
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  };
  const constants = {
    F_OK: 0,
    R_OK: 4,
    W_OK: 2,
    X_OK: 1,
    O_RDONLY: 0,
    O_WRONLY: 1,
    O_RDWR: 2,
    O_CREAT: 64,
    O_EXCL: 128,
    O_TRUNC: 512,
    O_APPEND: 1024,
    S_IFMT,
    S_IFREG: 0o100000,
    S_IFDIR: 0o040000,
    S_IFLNK: 0o120000,
    COPYFILE_EXCL: 1,
  };
  const sync = {
    existsSync(p) {
      try {
        return call("exists", "access", pathToString(p));
      } catch {
        return false;
      }
    },
    readFileSync(p, options) {
      if (typeof p === "number") {
        const chunks = [];
        for (;;) {
          const b = call("read", "read", p, 65536, null);
          if (b.length === 0) break;
          chunks.push(Buffer.from(b));
        }
        const all = Buffer.concat(chunks);
        const enc = encOf(options);
        return enc ? all.toString(enc) : all;
      }
      const data = Buffer.from(call("readFile", "open", pathToString(p)));
      const enc = encOf(options);
      return enc ? data.toString(enc) : data;
    },
    writeFileSync(p, data, options) {
      const flag = flagOf(options, "w");
      if (typeof p === "number")
        return void call("write", "write", p, null, toBytes(data, encOf(options)));
      call(
        "writeFile",
        "open",
        pathToString(p),
        {
          append: flag.startsWith("a"),
          exclusive: flag.includes("x"),
          mode: typeof options === "object" ? options?.mode : undefined,
        },
        toBytes(data, encOf(options)),
      );
    },
    appendFileSync(p, data, options) {
      if (typeof p === "number")
        return void call("write", "write", p, null, toBytes(data, encOf(options)));
      call("writeFile", "open", pathToString(p), { append: true }, toBytes(data, encOf(options)));
    },
    readdirSync(p, options) {
      const path = pathToString(p);
      if (options?.withFileTypes)
        return call("readdir", "scandir", path, true).map((d) => new Dirent(d.name, d.type, path));
      const names = call("readdir", "scandir", path, false);
      return encOf(options) === "buffer" ? names.map((n) => Buffer.from(n)) : names;
    },
    statSync(p, options) {
      try {
        return new Stats(call("stat", "stat", pathToString(p)));
      } catch (e) {
        if (options?.throwIfNoEntry === false && e.code === "ENOENT") return undefined;
        throw e;
      }
    },
    lstatSync(p, options) {
      try {
        return new Stats(call("lstat", "lstat", pathToString(p)));
      } catch (e) {
        if (options?.throwIfNoEntry === false && e.code === "ENOENT") return undefined;
        throw e;
      }
    },
    fstatSync: (fd) => new Stats(call("fstat", "fstat", fd)),
    mkdirSync(p, options) {
      const recursive = typeof options === "object" && options !== null && !!options.recursive;
      const path = pathToString(p);
      let first;
      if (recursive) {
        const abs = require("path").resolve(path);
        const parts = abs.split("/").filter(Boolean);
        for (let i = 1; i <= parts.length; i++) {
          const sub = "/" + parts.slice(0, i).join("/");
          if (!sync.existsSync(sub)) {
            first = sub;
            break;
          }
        }
      }
      call("mkdir", "mkdir", path, recursive);
      return recursive ? first : undefined;
    },
    rmSync(p, options = {}) {
      call("rm", "rm", pathToString(p), !!options.recursive, !!options.force);
    },
    rmdirSync(p, options = {}) {
      if (options.recursive) call("rm", "rmdir", pathToString(p), true, false);
      else call("rmdir", "rmdir", pathToString(p));
    },
    unlinkSync: (p) => void call("unlink", "unlink", pathToString(p)),
    renameSync: (a, b) =>
      void call("rename", "rename", pathToString(a, "oldPath"), pathToString(b, "newPath")),
    copyFileSync(a, b, mode = 0) {
      const data = call("readFile", "copyfile", pathToString(a, "src"));
      call("writeFile", "copyfile", pathToString(b, "dest"), { exclusive: (mode & 1) === 1 }, data);
    },
    cpSync(a, b, options = {}) {
      const st = sync.statSync(a);
      if (st.isDirectory()) {
        if (!options.recursive)
          throw Object.assign(new Error(`Recursive option is required to copy a directory: ${a}`), {
            code: "ERR_FS_EISDIR",
          });
        sync.mkdirSync(b, { recursive: true });
        for (const n of sync.readdirSync(a)) sync.cpSync(`${a}/${n}`, `${b}/${n}`, options);
      } else sync.copyFileSync(a, b);
    },
    accessSync(p, mode = 0) {
      const path = pathToString(p);
      const st = call("stat", "access", path);
      const bits = st.mode;
      if (
        (mode & 2 && !(bits & 0o222)) ||
        (mode & 1 && !(bits & 0o111)) ||
        (mode & 4 && !(bits & 0o444))
      ) {
        const e = new Error(`EACCES: permission denied, access '${path}'`);
        Object.assign(e, { errno: -13, code: "EACCES", syscall: "access", path });
        throw e;
      }
    },
    realpathSync: (p) => call("realpath", "realpath", pathToString(p)),
    readlinkSync: (p) => call("readlink", "readlink", pathToString(p)),
    symlinkSync: (target, p) =>
      void call("symlink", "symlink", pathToString(target, "target"), pathToString(p)),
    truncateSync: (p, len = 0) => void call("truncate", "open", pathToString(p), len),
    ftruncateSync: (fd, len = 0) => void call("ftruncate", "ftruncate", fd, len),
    openSync(p, flags = "r", mode) {
      const f = typeof flags === "number" ? numericFlags(flags) : flags;
      return call("open", "open", pathToString(p), f, mode);
    },
    closeSync: (fd) => void call("close", "close", fd),
    readSync(fd, buffer, offset = 0, length, position = null) {
      if (typeof offset === "object" && offset !== null)
        ({ offset = 0, length, position = null } = offset);
      length = length ?? buffer.byteLength - offset;
      const data = call(
        "read",
        "read",
        fd,
        length,
        typeof position === "bigint" ? Number(position) : position,
      );
      new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).set(data, offset);
      return data.length;
    },
    writeSync(fd, data, offsetOrPos, lengthOrEnc, position) {
      let bytes;
      let pos = null;
      if (typeof data === "string") {
        bytes = Buffer.from(data, typeof lengthOrEnc === "string" ? lengthOrEnc : "utf8");
        pos = typeof offsetOrPos === "number" ? offsetOrPos : null;
      } else {
        const off = typeof offsetOrPos === "number" ? offsetOrPos : 0;
        const len = typeof lengthOrEnc === "number" ? lengthOrEnc : data.byteLength - off;
        bytes = new Uint8Array(data.buffer, data.byteOffset + off, len);
        pos = typeof position === "number" ? position : null;
      }
      return call("write", "write", fd, pos, bytes);
    },
    fsyncSync() {},
    mkdtempSync(prefix) {
      const rand = Buffer.from(require("crypto").randomBytes(6)).toString("base64url").slice(0, 6);
      const p = `${prefix}${rand}`;
      sync.mkdirSync(p);
      return p;
    },
    chmodSync() {},
    chownSync() {},
    utimesSync() {},
  };
  function numericFlags(n) {
    const acc = n & 3;
    if (n & 1024) return acc === 2 ? (n & 128 ? "ax+" : "a+") : n & 128 ? "ax" : "a";
    if (n & 64) return acc === 2 ? (n & 128 ? "wx+" : "w+") : n & 128 ? "wx" : "w";
    return acc === 2 ? "r+" : "r";
  }
  const fs = { constants, Stats, Dirent, F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 };
  const promises = { constants };
  for (const [name, fn] of Object.entries(sync)) {
    fs[name] = fn;
    if (name === "existsSync") continue;
    const base = name.slice(0, -4);
    fs[base] = function (...args) {
      const cb = args.pop();
      if (typeof cb !== "function") {
        const e = new TypeError(
          `The "cb" argument must be of type function. Received ${internals.inspect(cb)}`,
        );
        e.code = "ERR_INVALID_ARG_TYPE";
        throw e;
      }
      let result;
      let error = null;
      try {
        result = fn(...args);
      } catch (e) {
        error = e;
      }
      g.process.nextTick(() =>
        error
          ? cb(error)
          : base === "read" || base === "write"
            ? cb(null, result, args[1])
            : cb(null, result),
      );
    };
    promises[base] = (...args) =>
      new Promise((resolve, reject) => {
        try {
          resolve(fn(...args));
        } catch (e) {
          reject(e);
        }
      });
  }
  fs.exists = (p, cb) => g.process.nextTick(() => cb(sync.existsSync(p)));
  class FileHandle {
    constructor(fd) {
      this.fd = fd;
    }
    async readFile(o) {
      return sync.readFileSync(this.fd, o);
    }
    async writeFile(d, o) {
      return sync.writeFileSync(this.fd, d, o);
    }
    async read(buffer, offset, length, position) {
      buffer = buffer ?? Buffer.alloc(16384);
      const bytesRead = sync.readSync(
        this.fd,
        buffer,
        offset ?? 0,
        length ?? buffer.byteLength - (offset ?? 0),
        position ?? null,
      );
      return { bytesRead, buffer };
    }
    async write(data, ...rest) {
      const bytesWritten = sync.writeSync(this.fd, data, ...rest);
      return { bytesWritten, buffer: data };
    }
    async stat() {
      return sync.fstatSync(this.fd);
    }
    async truncate(len) {
      return sync.ftruncateSync(this.fd, len);
    }
    async close() {
      sync.closeSync(this.fd);
    }
  }
  promises.open = async (p, flags, mode) => new FileHandle(sync.openSync(p, flags, mode));
  promises.access = async (p, mode) => sync.accessSync(p, mode);
  fs.promises = promises;
  fs.createReadStream = (p, options = {}) => {
    const { Readable } = require("stream");
    const o = typeof options === "string" ? { encoding: options } : options;
    let fd = o.fd ?? null;
    let pos = o.start ?? null;
    const end = o.end ?? Infinity;
    const r = new Readable({
      highWaterMark: o.highWaterMark ?? 65536,
      encoding: o.encoding,
      read(n) {
        try {
          if (fd === null) fd = sync.openSync(p, o.flags ?? "r");
          const want = Math.min(n, end - (pos ?? 0) + 1);
          if (want <= 0) return this.push(null);
          const b = Buffer.from(call("read", "read", fd, want, pos));
          if (pos !== null) pos += b.length;
          if (b.length === 0) this.push(null);
          else this.push(b);
        } catch (e) {
          this.destroy(e);
        }
      },
      destroy(err, cb) {
        if (fd !== null && o.autoClose !== false) {
          try {
            sync.closeSync(fd);
          } catch {}
        }
        cb(err);
      },
    });
    r.path = p;
    g.process.nextTick(() => {
      try {
        if (fd === null) fd = sync.openSync(p, o.flags ?? "r");
        r.emit("open", fd);
        r.emit("ready");
      } catch (e) {
        r.destroy(e);
      }
    });
    return r;
  };
  fs.createWriteStream = (p, options = {}) => {
    const { Writable } = require("stream");
    const o = typeof options === "string" ? { encoding: options } : options;
    let fd = null;
    const w = new Writable({
      write(chunk, enc, cb) {
        try {
          if (fd === null) fd = sync.openSync(p, o.flags ?? "w");
          call("write", "write", fd, null, chunk);
          w.bytesWritten += chunk.length;
          cb();
        } catch (e) {
          cb(e);
        }
      },
      final(cb) {
        try {
          if (fd === null) fd = sync.openSync(p, o.flags ?? "w");
          cb();
        } catch (e) {
          cb(e);
        }
      },
      destroy(err, cb) {
        if (fd !== null) {
          try {
            sync.closeSync(fd);
          } catch {}
          fd = null;
        }
        cb(err);
      },
    });
    w.path = p;
    w.bytesWritten = 0;
    g.process.nextTick(() => {
      try {
        if (fd === null) fd = sync.openSync(p, o.flags ?? "w");
        w.emit("open", fd);
        w.emit("ready");
      } catch (e) {
        w.destroy(e);
      }
    });
    return w;
  };
  fs.watch = () => {
    throw Object.assign(new Error("fs.watch is not supported in the sandbox"), {
      code: "ERR_AIRLOCK_UNSUPPORTED",
    });
  };
  module.exports = fs;
}
