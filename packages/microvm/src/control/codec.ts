import { ErrorCode, ExecFlag, FrameType, HEADER_LEN, MAX_PAYLOAD, type Frame } from "./frames.js";

const utf8 = new TextDecoder("utf-8", { fatal: false });
const enc = new TextEncoder();

class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  u8(v: number): this {
    return this.bytes(Uint8Array.of(v));
  }
  u16(v: number): this {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, true);
    return this.bytes(b);
  }
  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    return this.bytes(b);
  }
  u64(v: number): this {
    return this.u32(v % 2 ** 32).u32(Math.floor(v / 2 ** 32));
  }
  i32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    return this.bytes(b);
  }
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  str(s: string): this {
    const b = enc.encode(s);
    return this.u32(b.length).bytes(b);
  }
  list(items: readonly string[]): this {
    this.u32(items.length);
    for (const s of items) this.str(s);
    return this;
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function frameId(frame: Frame): number {
  return "id" in frame ? frame.id : 0;
}

/** Encodes one frame. Throws RangeError when a payload is over {@link MAX_PAYLOAD}. */
export function encodeFrame(frame: Frame): Uint8Array {
  const w = new Writer();
  w.u32(0).u8(FrameType[frame.type]).u32(frameId(frame));
  switch (frame.type) {
    case "hello":
      w.u32(frame.version).str(frame.agent).u64(frame.unixMs);
      break;
    case "exec":
      w.u8((frame.stdin ? ExecFlag.stdin : 0) | (frame.pty ? ExecFlag.pty : 0))
        .u32(frame.timeoutMs)
        .str(frame.cwd)
        .list(frame.argv)
        .list(frame.env);
      if (frame.pty) w.u16(frame.pty.rows).u16(frame.pty.cols);
      break;
    case "resize":
      w.u16(frame.rows).u16(frame.cols);
      break;
    case "stdin":
    case "stdout":
    case "stderr":
      w.bytes(frame.data);
      break;
    case "exit":
      w.i32(frame.code)
        .u8(frame.signal)
        .u8(frame.timedOut ? 1 : 0);
      break;
    case "kill":
      w.u8(frame.signal);
      break;
    case "error":
      w.u16(frame.code).i32(frame.errno).str(frame.message);
      break;
    case "stdinClose":
    case "shutdown":
      break;
  }
  const out = w.finish();
  if (out.length - HEADER_LEN > MAX_PAYLOAD) {
    throw new RangeError(
      `frame payload of ${out.length - HEADER_LEN} bytes is over ${MAX_PAYLOAD}`,
    );
  }
  new DataView(out.buffer).setUint32(0, out.length - 4, true);
  return out;
}

/** Why bytes did not decode; the decoder has already skipped the bad frame. */
export interface DecodeFailure {
  code: number;
  /** The frame's id when its header was readable, else 0. */
  id: number;
  message: string;
}

class Reader {
  private pos = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  get done(): boolean {
    return this.pos === this.buf.length;
  }
  private need(n: number): number {
    if (this.pos + n > this.buf.length) throw new ShortPayload();
    const at = this.pos;
    this.pos += n;
    return at;
  }
  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  /** Exact up to 2^53 (ms clocks for the next 285,000 years). */
  u64(): number {
    const lo = this.u32();
    return lo + this.u32() * 2 ** 32;
  }
  str(): string {
    const n = this.u32();
    const at = this.need(n);
    return utf8.decode(this.buf.subarray(at, at + n));
  }
  list(): string[] {
    const n = this.u32();
    // Every item needs at least its 4-byte length: refuse counts the payload cannot hold.
    if (n > (this.buf.length - this.pos) / 4) throw new ShortPayload();
    return Array.from({ length: n }, () => this.str());
  }
  rest(): Uint8Array {
    // A copy as a plain Uint8Array: the input may be a Buffer view into the decoder's buffer.
    const out = new Uint8Array(this.buf.length - this.pos);
    out.set(this.buf.subarray(this.pos));
    this.pos = this.buf.length;
    return out;
  }
}

class ShortPayload extends Error {}

/** Decodes a frame's type + payload; returns a {@link DecodeFailure} instead of throwing. */
export function decodeBody(type: number, id: number, payload: Uint8Array): Frame | DecodeFailure {
  const r = new Reader(payload);
  const malformed = (message: string): DecodeFailure => ({
    code: ErrorCode.malformed,
    id,
    message,
  });
  let frame: Frame;
  try {
    switch (type) {
      case FrameType.hello:
        frame = { type: "hello", version: r.u32(), agent: r.str(), unixMs: r.u64() };
        break;
      case FrameType.exec: {
        const flags = r.u8();
        if ((flags & ~(ExecFlag.stdin | ExecFlag.pty)) !== 0)
          return malformed("exec: unknown flags");
        const timeoutMs = r.u32();
        const cwd = r.str();
        const argv = r.list();
        const env = r.list();
        const pty = (flags & ExecFlag.pty) !== 0 ? { rows: r.u16(), cols: r.u16() } : undefined;
        if (argv.length === 0) return malformed("exec: empty argv");
        const stdin = (flags & ExecFlag.stdin) !== 0;
        frame = { type: "exec", id, stdin, timeoutMs, cwd, argv, env, ...(pty ? { pty } : {}) };
        break;
      }
      case FrameType.resize:
        frame = { type: "resize", id, rows: r.u16(), cols: r.u16() };
        break;
      case FrameType.stdin:
        frame = { type: "stdin", id, data: r.rest() };
        break;
      case FrameType.stdout:
        frame = { type: "stdout", id, data: r.rest() };
        break;
      case FrameType.stderr:
        frame = { type: "stderr", id, data: r.rest() };
        break;
      case FrameType.stdinClose:
        frame = { type: "stdinClose", id };
        break;
      case FrameType.shutdown:
        frame = { type: "shutdown" };
        break;
      case FrameType.exit: {
        const code = r.i32();
        const signal = r.u8();
        const timedOut = r.u8();
        if (timedOut > 1) return malformed("exit: unknown flags");
        frame = { type: "exit", id, code, signal, timedOut: timedOut === 1 };
        break;
      }
      case FrameType.kill:
        frame = { type: "kill", id, signal: r.u8() };
        break;
      case FrameType.error:
        frame = { type: "error", id, code: r.u16(), errno: r.i32(), message: r.str() };
        break;
      default:
        return { code: ErrorCode.unknownType, id, message: `unknown frame type ${type}` };
    }
  } catch (e) {
    if (e instanceof ShortPayload) return malformed(`frame type ${type}: payload too short`);
    throw e;
  }
  if (!r.done) return malformed("trailing bytes after payload");
  return frame;
}

export function isDecodeFailure(v: Frame | DecodeFailure): v is DecodeFailure {
  return !("type" in v);
}

/**
 * Streaming decoder: push what the channel delivered, pull frames. A frame announced larger
 * than {@link MAX_PAYLOAD} is reported once and its bytes skipped, so the stream stays in sync.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private skip = 0;

  push(data: Uint8Array): void {
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      data = data.subarray(n);
    }
    if (data.length > 0) {
      this.chunks.push(data);
      this.buffered += data.length;
    }
  }

  /** Bytes held that do not yet form a whole frame. */
  get pending(): number {
    return this.buffered;
  }

  next(): Frame | DecodeFailure | undefined {
    if (this.buffered < 4) return undefined;
    const len = this.peekU32(0);
    if (len < HEADER_LEN - 4) {
      this.drop(Math.min(4 + len, this.buffered), 4 + len);
      return {
        code: ErrorCode.malformed,
        id: 0,
        message: `frame length ${len} is shorter than a header`,
      };
    }
    if (len - 5 > MAX_PAYLOAD) {
      const id = this.buffered >= HEADER_LEN ? this.peekU32(5) : 0;
      this.drop(Math.min(4 + len, this.buffered), 4 + len);
      return {
        code: ErrorCode.tooLarge,
        id,
        message: `frame of ${len} bytes is over the ${MAX_PAYLOAD}-byte payload limit`,
      };
    }
    if (this.buffered < 4 + len) return undefined;
    const whole = this.take(4 + len);
    const view = new DataView(whole.buffer, whole.byteOffset, whole.byteLength);
    return decodeBody(whole[4]!, view.getUint32(5, true), whole.subarray(HEADER_LEN));
  }

  private flatten(): Uint8Array {
    if (this.chunks.length !== 1) {
      const all = new Uint8Array(this.buffered);
      let at = 0;
      for (const c of this.chunks) {
        all.set(c, at);
        at += c.length;
      }
      this.chunks = [all];
    }
    return this.chunks[0]!;
  }

  private peekU32(at: number): number {
    const b = this.flatten();
    return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
  }

  private take(n: number): Uint8Array {
    const b = this.flatten();
    const out = b.subarray(0, n);
    this.chunks = n < b.length ? [b.subarray(n)] : [];
    this.buffered -= n;
    return out;
  }

  /** Drops `have` buffered bytes of a frame `total` bytes long; the rest is skipped as it arrives. */
  private drop(have: number, total: number): void {
    this.take(have);
    this.skip = total - have;
  }
}
