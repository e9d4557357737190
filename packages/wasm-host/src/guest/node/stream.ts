// @ts-nocheck — runs inside the guest (QuickJS); evaluated on first require (see require.ts).
/**
 * `stream` (+ `stream/promises`): Readable/Writable/Duplex/Transform/PassThrough, pipeline,
 * finished — a compact implementation of Node's semantics (flowing/paused modes, backpressure
 * by highWaterMark, objectMode, async iteration, destroy/error propagation).
 */
export function nodeStream(module, exports, require, internals, host, g) {
  const EE = require("events");
  const { Buffer } = require("buffer");
  const tick = (fn, ...a) => g.process.nextTick(fn, ...a);
  const errDestroyed = (what) =>
    Object.assign(new Error(`Cannot call ${what} after a stream was destroyed`), {
      code: "ERR_STREAM_DESTROYED",
    });
  class Stream extends EE {
    pipe(dest, opts) {
      return Readable.prototype.pipe.call(this, dest, opts);
    }
  }
  class Readable extends Stream {
    constructor(opts = {}) {
      super();
      this._rs = {
        buf: [],
        len: 0,
        ended: false,
        endEmitted: false,
        flowing: null,
        reading: false,
        objectMode: !!(opts.objectMode || opts.readableObjectMode),
        hwm: opts.highWaterMark ?? (opts.objectMode || opts.readableObjectMode ? 16 : 16384),
        encoding: null,
        decoder: null,
      };
      this.destroyed = false;
      this.readable = true;
      if (typeof opts.read === "function") this._read = opts.read;
      if (typeof opts.destroy === "function") this._destroy = opts.destroy;
      if (opts.encoding) this.setEncoding(opts.encoding);
    }
    get readableObjectMode() {
      return this._rs.objectMode;
    }
    get readableEnded() {
      return this._rs.endEmitted;
    }
    get readableFlowing() {
      return this._rs.flowing;
    }
    get readableLength() {
      return this._rs.len;
    }
    get readableHighWaterMark() {
      return this._rs.hwm;
    }
    _read() {
      const e = new Error("The _read() method is not implemented");
      e.code = "ERR_METHOD_NOT_IMPLEMENTED";
      this.destroy(e);
    }
    setEncoding(enc) {
      const { StringDecoder } = require("string_decoder");
      this._rs.decoder = new StringDecoder(enc);
      this._rs.encoding = this._rs.decoder.encoding;
      return this;
    }
    push(chunk, encoding) {
      const rs = this._rs;
      if (chunk === null) {
        rs.ended = true;
        rs.reading = false;
        this._flow();
        return false;
      }
      if (rs.ended) {
        this.emit(
          "error",
          Object.assign(new Error("stream.push() after EOF"), {
            code: "ERR_STREAM_PUSH_AFTER_EOF",
          }),
        );
        return false;
      }
      if (!rs.objectMode) {
        if (typeof chunk === "string") chunk = Buffer.from(chunk, encoding);
        else if (chunk instanceof Uint8Array && !(chunk instanceof Buffer))
          chunk = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        else if (!(chunk instanceof Uint8Array)) {
          const e = new TypeError(
            `The "chunk" argument must be of type string or an instance of Buffer or Uint8Array. Received ${internals.inspect(chunk)}`,
          );
          e.code = "ERR_INVALID_ARG_TYPE";
          this.destroy(e);
          return false;
        }
        if (rs.decoder) chunk = rs.decoder.write(chunk);
        if (chunk.length === 0) return rs.len < rs.hwm;
      }
      rs.buf.push(chunk);
      rs.len += rs.objectMode ? 1 : chunk.length;
      rs.reading = false;
      this._flow();
      return rs.len < rs.hwm;
    }
    unshift(chunk) {
      this._rs.buf.unshift(chunk);
      this._rs.len += this._rs.objectMode ? 1 : chunk.length;
    }
    read(n) {
      const rs = this._rs;
      if (rs.len === 0) {
        this._maybeRead();
        this._maybeEnd();
        return null;
      }
      let chunk;
      if (rs.objectMode || n === undefined || n >= rs.len) {
        if (rs.objectMode) chunk = rs.buf.shift();
        else
          chunk = rs.decoder
            ? rs.buf.splice(0).join("")
            : rs.buf.length === 1
              ? rs.buf.shift()
              : Buffer.concat(rs.buf.splice(0));
        rs.len -= rs.objectMode ? 1 : chunk.length;
      } else {
        const all = rs.decoder ? rs.buf.splice(0).join("") : Buffer.concat(rs.buf.splice(0));
        chunk = all.slice(0, n);
        rs.buf = [all.slice(n)];
        rs.len = rs.buf[0].length;
      }
      this._maybeRead();
      if (rs.len === 0) this._maybeEnd();
      return chunk;
    }
    _maybeRead() {
      const rs = this._rs;
      if (!rs.ended && !rs.reading && !this.destroyed && rs.len < rs.hwm) {
        rs.reading = true;
        tick(() => {
          if (!this.destroyed) this._read(rs.hwm);
        });
      }
    }
    _maybeEnd() {
      const rs = this._rs;
      if (rs.ended && rs.len === 0 && !rs.endEmitted) {
        rs.endEmitted = true;
        tick(() => {
          if (rs.decoder) {
            const rest = rs.decoder.end();
            if (rest) this.emit("data", rest);
          }
          this.readable = false;
          this.emit("end");
          if (this._autoClose !== false) this.destroy();
        });
      }
    }
    _flow() {
      if (this._flowScheduled) return;
      this._flowScheduled = true;
      tick(() => {
        this._flowScheduled = false;
        const rs = this._rs;
        if (rs.flowing) {
          while (rs.flowing && rs.len > 0) {
            const chunk = rs.objectMode ? rs.buf.shift() : rs.buf.shift();
            rs.len -= rs.objectMode ? 1 : chunk.length;
            this.emit("data", chunk);
          }
          if (rs.flowing) this._maybeRead();
          this._maybeEnd();
        } else if (rs.len > 0 || rs.ended) {
          this.emit("readable");
          if (rs.ended) this._maybeEnd();
        }
      });
    }
    on(ev, fn) {
      super.on(ev, fn);
      if (ev === "data" && this._rs.flowing !== false) this.resume();
      else if (ev === "readable") {
        this._rs.flowing = false;
        this._maybeRead();
        this._flow();
      }
      return this;
    }
    resume() {
      this._rs.flowing = true;
      this._maybeRead();
      this._flow();
      return this;
    }
    pause() {
      if (this._rs.flowing !== false) {
        this._rs.flowing = false;
        this.emit("pause");
      }
      return this;
    }
    isPaused() {
      return this._rs.flowing === false;
    }
    destroy(err, cb) {
      if (this.destroyed) return this;
      this.destroyed = true;
      const done = (e) => {
        if (e) tick(() => this.emit("error", e));
        tick(() => this.emit("close"));
        cb?.(e);
      };
      if (this._destroy) this._destroy(err ?? null, done);
      else done(err);
      return this;
    }
    pipe(dest, opts = {}) {
      const onData = (chunk) => {
        if (dest.write(chunk) === false) {
          this.pause();
          dest.once("drain", () => this.resume());
        }
      };
      this.on("data", onData);
      if (opts.end !== false) this.once("end", () => dest.end());
      dest.emit("pipe", this);
      return dest;
    }
    unpipe() {
      this.removeAllListeners("data");
      return this;
    }
    async *[Symbol.asyncIterator]() {
      const rs = this._rs;
      let error = null;
      let wake = null;
      const signal = () => {
        const w = wake;
        wake = null;
        w?.();
      };
      this.on("readable", signal);
      this.on("end", signal);
      this.on("close", signal);
      this.on("error", (e) => {
        error = e;
        signal();
      });
      for (;;) {
        if (error) throw error;
        const chunk = this.read();
        if (chunk !== null) {
          yield chunk;
          continue;
        }
        if (rs.endEmitted || this.destroyed) {
          await new Promise((r) => tick(r));
          if (error) throw error;
          return;
        }
        await new Promise((r) => (wake = r));
      }
    }
    static from(iterable, opts = {}) {
      const r = new Readable({ objectMode: true, ...opts, read() {} });
      if (typeof iterable === "string" || iterable instanceof Uint8Array) {
        r.push(iterable);
        r.push(null);
        return r;
      }
      (async () => {
        try {
          for await (const x of iterable) r.push(x);
          r.push(null);
        } catch (e) {
          r.destroy(e);
        }
      })();
      return r;
    }
    async toArray() {
      const out = [];
      for await (const c of this) out.push(c);
      return out;
    }
  }
  class Writable extends Stream {
    constructor(opts = {}) {
      super();
      this._ws = {
        queue: [],
        writing: false,
        len: 0,
        ended: false,
        finished: false,
        hwm: opts.highWaterMark ?? (opts.objectMode || opts.writableObjectMode ? 16 : 16384),
        objectMode: !!(opts.objectMode || opts.writableObjectMode),
        needDrain: false,
        decode: opts.decodeStrings !== false,
      };
      this.destroyed = false;
      this.writable = true;
      if (typeof opts.write === "function") this._write = opts.write;
      if (typeof opts.writev === "function") this._writev = opts.writev;
      if (typeof opts.final === "function") this._final = opts.final;
      if (typeof opts.destroy === "function") this._destroy = opts.destroy;
    }
    get writableEnded() {
      return this._ws.ended;
    }
    get writableFinished() {
      return this._ws.finished;
    }
    get writableLength() {
      return this._ws.len;
    }
    get writableObjectMode() {
      return this._ws.objectMode;
    }
    get writableHighWaterMark() {
      return this._ws.hwm;
    }
    _write(chunk, enc, cb) {
      if (this._writev) this._writev([{ chunk, encoding: enc }], cb);
      else
        cb(
          Object.assign(new Error("The _write() method is not implemented"), {
            code: "ERR_METHOD_NOT_IMPLEMENTED",
          }),
        );
    }
    write(chunk, encoding, cb) {
      if (typeof encoding === "function") {
        cb = encoding;
        encoding = undefined;
      }
      const ws = this._ws;
      if (ws.ended) {
        const e = Object.assign(new Error("write after end"), {
          code: "ERR_STREAM_WRITE_AFTER_END",
        });
        tick(() => {
          cb?.(e);
          this.emit("error", e);
        });
        return false;
      }
      if (this.destroyed) {
        const e = errDestroyed("write");
        tick(() => cb?.(e));
        return false;
      }
      if (!ws.objectMode && typeof chunk === "string" && ws.decode) {
        chunk = Buffer.from(chunk, encoding);
        encoding = "buffer";
      } else if (!ws.objectMode && chunk instanceof Uint8Array && !(chunk instanceof Buffer))
        chunk = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      else if (!ws.objectMode && typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
        const e = new TypeError(
          `The "chunk" argument must be of type string or an instance of Buffer or Uint8Array. Received ${internals.inspect(chunk)}`,
        );
        e.code = "ERR_INVALID_ARG_TYPE";
        throw e;
      }
      ws.len += ws.objectMode ? 1 : chunk.length;
      ws.queue.push({
        chunk,
        encoding: encoding ?? (typeof chunk === "string" ? "utf8" : "buffer"),
        cb,
      });
      const ok = ws.len < ws.hwm;
      if (!ok) ws.needDrain = true;
      this._next();
      return ok;
    }
    _next() {
      const ws = this._ws;
      if (ws.writing || this.destroyed) return;
      const item = ws.queue.shift();
      if (item === undefined) {
        if (ws.needDrain) {
          ws.needDrain = false;
          tick(() => this.emit("drain"));
        }
        if (ws.ended) this._finish();
        return;
      }
      ws.writing = true;
      let sync = true;
      this._write(item.chunk, item.encoding, (err) => {
        const after = () => {
          ws.writing = false;
          ws.len -= ws.objectMode ? 1 : item.chunk.length;
          if (err) {
            item.cb?.(err);
            this.destroy(err);
            return;
          }
          item.cb?.(null);
          this._next();
        };
        if (sync) tick(after);
        else after();
      });
      sync = false;
    }
    _finish() {
      const ws = this._ws;
      if (ws.finishing) return;
      ws.finishing = true;
      const done = (err) => {
        if (err) return this.destroy(err);
        ws.finished = true;
        this.writable = false;
        tick(() => {
          this.emit("finish");
          if (this._autoClose !== false) this.destroy();
        });
      };
      if (this._final) this._final(done);
      else done();
    }
    end(chunk, encoding, cb) {
      if (typeof chunk === "function") {
        cb = chunk;
        chunk = undefined;
      } else if (typeof encoding === "function") {
        cb = encoding;
        encoding = undefined;
      }
      if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
      if (cb) this.once("finish", cb);
      if (!this._ws.ended) {
        this._ws.ended = true;
        this._next();
      }
      return this;
    }
    cork() {}
    uncork() {}
    setDefaultEncoding() {
      return this;
    }
    destroy(err, cb) {
      return Readable.prototype.destroy.call(this, err, cb);
    }
  }
  class Duplex extends Readable {
    constructor(opts = {}) {
      super(opts);
      Writable.call === undefined;
      const w = new Writable(opts);
      this._ws = w._ws;
      this.writable = true;
      if (typeof opts.write === "function") this._write = opts.write;
      if (typeof opts.writev === "function") this._writev = opts.writev;
      if (typeof opts.final === "function") this._final = opts.final;
      this._autoClose = false;
      if (opts.allowHalfOpen === false) this.once("end", () => this.end());
    }
  }
  for (const k of [
    "write",
    "_next",
    "_finish",
    "end",
    "cork",
    "uncork",
    "setDefaultEncoding",
    "_write",
  ])
    Duplex.prototype[k] = Writable.prototype[k];
  for (const k of [
    "writableEnded",
    "writableFinished",
    "writableLength",
    "writableObjectMode",
    "writableHighWaterMark",
  ])
    Object.defineProperty(
      Duplex.prototype,
      k,
      Object.getOwnPropertyDescriptor(Writable.prototype, k),
    );
  class Transform extends Duplex {
    constructor(opts = {}) {
      super(opts);
      if (typeof opts.transform === "function") this._transform = opts.transform;
      if (typeof opts.flush === "function") this._flush = opts.flush;
      this._write = (chunk, enc, cb) => {
        this._transform(chunk, enc, (err, data) => {
          if (err) return cb(err);
          if (data !== undefined && data !== null) this.push(data);
          cb();
        });
      };
      this._final = (cb) => {
        const end = (err, data) => {
          if (err) return cb(err);
          if (data !== undefined && data !== null) this.push(data);
          this.push(null);
          cb();
        };
        if (this._flush) this._flush(end);
        else end();
      };
    }
    _read() {}
    _transform() {
      throw Object.assign(new Error("The _transform() method is not implemented"), {
        code: "ERR_METHOD_NOT_IMPLEMENTED",
      });
    }
  }
  class PassThrough extends Transform {
    _transform(chunk, enc, cb) {
      cb(null, chunk);
    }
  }
  function finished(stream, opts, cb) {
    if (typeof opts === "function") {
      cb = opts;
      opts = {};
    }
    let done = false;
    const call = (err) => {
      if (done) return;
      done = true;
      cb(err);
    };
    const isW = stream._ws !== undefined;
    const isR = stream._rs !== undefined;
    let ended = !isR || stream._rs.endEmitted;
    let fin = !isW || stream._ws.finished;
    const check = () => {
      if (ended && fin) call();
    };
    stream.on("end", () => {
      ended = true;
      check();
    });
    stream.on("finish", () => {
      fin = true;
      check();
    });
    stream.on("error", (e) => call(e));
    stream.on("close", () => {
      if (!(ended && fin))
        call(Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" }));
    });
    check();
    return () => undefined;
  }
  function pipeline(...streams) {
    const cb = typeof streams[streams.length - 1] === "function" ? streams.pop() : null;
    if (Array.isArray(streams[0])) streams = streams[0];
    const list = streams.map((s, i) => {
      if (typeof s === "function") {
        const prev = streams[i - 1];
        const out = s(prev);
        return out && typeof out.pipe === "function" ? out : Readable.from(out);
      }
      if (
        !(s instanceof Stream) &&
        s &&
        (typeof s[Symbol.asyncIterator] === "function" || typeof s[Symbol.iterator] === "function")
      )
        return Readable.from(s);
      return s;
    });
    let error;
    let remaining = list.length;
    const fail = (e) => {
      if (error) return;
      error = e;
      for (const s of list) s.destroy?.();
      cb?.(e);
    };
    for (let i = 0; i < list.length - 1; i++) {
      if (typeof streams[i + 1] !== "function") list[i].pipe(list[i + 1]);
    }
    list.forEach((s) =>
      finished(s, (e) => {
        if (e) fail(e);
        else if (--remaining === 0 && !error) cb?.();
      }),
    );
    return list[list.length - 1];
  }
  const promises = {
    pipeline: (...s) =>
      new Promise((resolve, reject) => pipeline(...s, (e) => (e ? reject(e) : resolve()))),
    finished: (s, o) =>
      new Promise((resolve, reject) => finished(s, o ?? {}, (e) => (e ? reject(e) : resolve()))),
  };
  Stream.Stream = Stream;
  Stream.Readable = Readable;
  Stream.Writable = Writable;
  Stream.Duplex = Duplex;
  Stream.Transform = Transform;
  Stream.PassThrough = PassThrough;
  Stream.pipeline = pipeline;
  Stream.finished = finished;
  Stream.promises = promises;
  Stream.isReadable = (s) => !!s && s.readable === true && !s.destroyed;
  Stream.isErrored = () => false;
  internals.streams = Stream;
  module.exports = Stream;
}
