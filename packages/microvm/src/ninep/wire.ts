/**
 * 9P2000.L wire format: `size[4] type[1] tag[2]` then the message's fields, little-endian;
 * strings are `len[2]` + UTF-8; a qid is `type[1] version[4] path[8]`.
 */

/** Message types used by the Linux client with `version=9p2000.L` (T = request, R = T + 1). */
export const Op = {
  Rlerror: 7,
  Tstatfs: 8,
  Tlopen: 12,
  Tlcreate: 14,
  Tsymlink: 16,
  Tmknod: 18,
  Trename: 20,
  Treadlink: 22,
  Tgetattr: 24,
  Tsetattr: 26,
  Txattrwalk: 30,
  Txattrcreate: 32,
  Treaddir: 40,
  Tfsync: 50,
  Tlock: 52,
  Tgetlock: 54,
  Tlink: 70,
  Tmkdir: 72,
  Trenameat: 74,
  Tunlinkat: 76,
  Tversion: 100,
  Tauth: 102,
  Tattach: 104,
  Tflush: 108,
  Twalk: 110,
  Tread: 116,
  Twrite: 118,
  Tclunk: 120,
  Tremove: 122,
} as const;

export const HEADER = 7;
export const NOFID = 0xffffffff;

export const QT_DIR = 0x80;
export const QT_SYMLINK = 0x02;
export const QT_FILE = 0;

export interface Qid {
  type: number;
  version: number;
  path: bigint;
}

/** Thrown by {@link Reader} on a message shorter than its fields say. */
export class ShortMessage extends Error {}

/** Sequential field reader over one message body. */
export class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.at++);
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.at);
    this.at += 8;
    return v;
  }
  /** Raw string bytes; names are checked by the caller. */
  strBytes(): Buffer {
    const n = this.u16();
    return this.bytes(n);
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new ShortMessage("9P message too short");
  }
}

/** Builds one reply. `finish` writes the size header. */
export class Writer {
  private parts: Buffer[] = [];
  private head = Buffer.alloc(HEADER);
  private length = HEADER;

  constructor(type: number, tag: number) {
    this.head.writeUInt8(type, 4);
    this.head.writeUInt16LE(tag, 5);
    this.parts.push(this.head);
  }

  private put(b: Buffer): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
  u8(v: number): this {
    const b = Buffer.allocUnsafe(1);
    b.writeUInt8(v);
    return this.put(b);
  }
  u16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16LE(v);
    return this.put(b);
  }
  u32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(v >>> 0);
    return this.put(b);
  }
  u64(v: bigint | number): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)));
    return this.put(b);
  }
  str(s: string | Buffer): this {
    const b = typeof s === "string" ? Buffer.from(s, "utf8") : s;
    this.u16(b.length);
    return this.put(b);
  }
  qid(q: Qid): this {
    return this.u8(q.type).u32(q.version).u64(q.path);
  }
  raw(b: Buffer): this {
    return this.put(b);
  }
  finish(): Buffer {
    this.head.writeUInt32LE(this.length, 0);
    return Buffer.concat(this.parts, this.length);
  }
}

/** Bytes a string field takes. */
export function strSize(b: Buffer): number {
  return 2 + b.length;
}
