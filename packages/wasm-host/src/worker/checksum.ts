/**
 * The snapshot cache's corruption check: a 64-bit checksum (two 32-bit multiply-xor lanes over
 * the bytes as little-endian words, then the tail bytes into the first lane). Not a digest: only
 * this user can write the cache, and whoever rewrites a payload could rewrite any digest beside
 * it. node's own (zlib.crc32, node:crypto) load node's stream modules, ~4 ms of a cold `airlock
 * run`; the same loop in JavaScript ran cold (interpreted, then optimised) for ~3 ms per 1 MB
 * snapshot. So the word loop is a tiny WebAssembly function, assembled below: ~0.3 ms.
 */

/** Unsigned LEB128 of a non-negative integer. */
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
/** Signed LEB128 of an int32. */
const sleb = (n: number): number[] => {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [s.length, ...[...s].map((c) => c.charCodeAt(0))];

const SEED_B = 0x9e3779b9;
const PRIME_A = 0x01000193;
const PRIME_B = 0x2c1b3c6d;
const [I32, I64] = [0x7f, 0x7e];
const op = {
  get: 0x20,
  set: 0x21,
  i32: 0x41,
  i64: 0x42,
  load: 0x28,
  geU: 0x4f,
  add: 0x6a,
  mul: 0x6c,
  xor: 0x73,
  shl: 0x74,
  shrU: 0x76,
  rotl: 0x77,
  shl64: 0x86,
  or64: 0x84,
  extendU: 0xad,
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  void: 0x40,
} as const;
// sum(ptr, words, seed) -> i64: (a << 32) | b over the words at ptr. Locals: 3 a, 4 b, 5 w, 6 end.
const [PTR, WORDS, SEED, A, B, W, END] = [0, 1, 2, 3, 4, 5, 6];
// prettier-ignore
const BODY = [
  1, 4, I32, // four i32 locals
  op.get, SEED, op.set, A,
  op.i32, ...sleb(SEED_B), op.set, B,
  op.get, PTR, op.get, WORDS, op.i32, 2, op.shl, op.add, op.set, END,
  op.block, op.void, op.loop, op.void,
  op.get, PTR, op.get, END, op.geU, op.brIf, 1,
  op.get, PTR, op.load, 2, 0, op.set, W,
  op.get, A, op.get, W, op.xor, op.i32, ...sleb(PRIME_A), op.mul, op.set, A,
  op.get, B, op.get, W, op.i32, 16, op.rotl, op.xor, op.i32, ...sleb(PRIME_B), op.mul,
  op.get, B, op.i32, 13, op.shrU, op.xor, op.set, B,
  op.get, PTR, op.i32, 4, op.add, op.set, PTR,
  op.br, 0, op.end, op.end,
  op.get, A, op.extendU, op.i64, 32, op.shl64, op.get, B, op.extendU, op.or64,
  op.end,
];
// prettier-ignore
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [1, 0x60, 3, I32, I32, I32, 1, I64]),
  ...section(3, [1, 0]),
  ...section(5, [1, 0x00, 0]),
  ...section(7, [2, ...name("sum"), 0x00, 0, ...name("memory"), 0x02, 0]),
  ...section(10, [1, ...uleb(BODY.length), ...BODY]),
]);

interface Summer {
  sum(ptr: number, words: number, seed: number): bigint;
  memory: WebAssembly.Memory;
}
let compiled: WebAssembly.Module | undefined;

/** The checksum of `data` as 16 hex digits. */
export function checksum(data: Uint8Array): string {
  // A new instance per call: its memory (the size of the data) goes with it.
  compiled ??= new WebAssembly.Module(MODULE);
  const summer = new WebAssembly.Instance(compiled).exports as unknown as Summer;
  const words = data.length >>> 2;
  const need = Math.ceil((words * 4) / 65536) - summer.memory.buffer.byteLength / 65536;
  if (need > 0) summer.memory.grow(need);
  new Uint8Array(summer.memory.buffer, 0, words * 4).set(data.subarray(0, words * 4));
  const r = summer.sum(0, words, 0x811c9dc5 ^ data.length);
  let a = Number(r >> 32n) | 0;
  const b = Number(r & 0xffffffffn);
  for (let i = words * 4; i < data.length; i++) a = Math.imul(a ^ data[i]!, PRIME_A);
  const hex = (x: number) => (x >>> 0).toString(16).padStart(8, "0");
  return hex(a) + hex(b);
}
