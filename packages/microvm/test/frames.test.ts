import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FrameDecoder,
  encodeFrame,
  isDecodeFailure,
  type DecodeFailure,
} from "../src/control/codec.js";
import { ErrorCode, MAX_PAYLOAD, type Frame } from "../src/control/frames.js";

const fixtures = new URL("../../../crates/guest-init/tests/fixtures/", import.meta.url);

type JsonFrame = Record<string, unknown> & { type: Frame["type"] };

/** frames.json writes byte payloads as hex; everything else is as in `Frame`. */
function fromJson(f: JsonFrame): Frame {
  if (typeof f["data"] === "string")
    return { ...f, data: Uint8Array.from(Buffer.from(f["data"], "hex")) } as Frame;
  return f as unknown as Frame;
}

function decodeAll(bytes: Uint8Array): (Frame | DecodeFailure)[] {
  const d = new FrameDecoder();
  d.push(bytes);
  const out: (Frame | DecodeFailure)[] = [];
  for (let f = d.next(); f !== undefined; f = d.next()) out.push(f);
  return out;
}

describe("shared fixture with the Rust guest init", () => {
  const bin = new Uint8Array(readFileSync(new URL("frames.bin", fixtures)));
  const json = JSON.parse(readFileSync(new URL("frames.json", fixtures), "utf8")) as {
    frames: JsonFrame[];
  };
  const expected = json.frames.map(fromJson);

  it("decodes frames.bin to exactly the frames in frames.json", () => {
    expect(expected).toHaveLength(14);
    expect(decodeAll(bin)).toEqual(expected);
  });

  it("encodes the frames in frames.json to exactly frames.bin", () => {
    const parts = expected.map(encodeFrame);
    expect(Buffer.concat(parts)).toEqual(Buffer.from(bin));
  });

  it("decodes frames.bin fed one byte at a time", () => {
    const d = new FrameDecoder();
    const got: (Frame | DecodeFailure)[] = [];
    for (const b of bin) {
      d.push(Uint8Array.of(b));
      for (let f = d.next(); f !== undefined; f = d.next()) got.push(f);
    }
    expect(got).toEqual(expected);
    expect(d.pending).toBe(0);
  });

  const vectors = readFileSync(new URL("malformed.txt", fixtures), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => l.split(/\s+/));
  it.each(vectors)("rejects %s with code %s id %s and keeps the stream", (hex, code, id) => {
    const d = new FrameDecoder();
    d.push(Buffer.from(hex!, "hex"));
    const first = d.next();
    expect(first && isDecodeFailure(first)).toBe(true);
    expect(first).toMatchObject({ code: Number(code), id: Number(id) });
    if (Number(code) !== ErrorCode.tooLarge) {
      d.push(encodeFrame({ type: "shutdown" }));
      expect(d.next()).toEqual({ type: "shutdown" });
    }
  });
  it("has the malformed vectors", () => expect(vectors.length).toBeGreaterThanOrEqual(10));
});

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.from(b));
const str = fc.string({ maxLength: 20 });
const arbFrame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    type: fc.constant("hello" as const),
    version: u32,
    agent: str,
    unixMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  }),
  fc.record({
    type: fc.constant("exec" as const),
    id: u32,
    stdin: fc.boolean(),
    timeoutMs: u32,
    cwd: str,
    argv: fc.array(str, { minLength: 1, maxLength: 4 }),
    env: fc.array(str, { maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant("exec" as const),
    id: u32,
    stdin: fc.boolean(),
    timeoutMs: u32,
    cwd: str,
    argv: fc.array(str, { minLength: 1, maxLength: 4 }),
    env: fc.array(str, { maxLength: 4 }),
    pty: fc.record({ rows: u16, cols: u16 }),
  }),
  fc.record({ type: fc.constant("resize" as const), id: u32, rows: u16, cols: u16 }),
  fc.record({
    type: fc.constantFrom("stdin" as const, "stdout" as const, "stderr" as const),
    id: u32,
    data: bytes,
  }),
  fc.record({ type: fc.constant("stdinClose" as const), id: u32 }),
  fc.record({
    type: fc.constant("exit" as const),
    id: u32,
    code: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    signal: fc.integer({ min: 0, max: 255 }),
    timedOut: fc.boolean(),
  }),
  fc.record({
    type: fc.constant("kill" as const),
    id: u32,
    signal: fc.integer({ min: 0, max: 255 }),
  }),
  fc.constant({ type: "shutdown" as const }),
  fc.record({
    type: fc.constant("error" as const),
    id: u32,
    code: fc.integer({ min: 0, max: 0xffff }),
    errno: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    message: str,
  }),
);

describe("pty additions stay compatible with protocol 1", () => {
  const base: Frame = {
    type: "exec",
    id: 9,
    stdin: true,
    timeoutMs: 0,
    cwd: "/",
    argv: ["sh"],
    env: [],
  };

  it("leaves an exec without pty byte-identical and sets flag bit 1 plus rows/cols with one", () => {
    const plain = encodeFrame(base);
    const withPty = encodeFrame({ ...base, pty: { rows: 0x0102, cols: 0x0304 } });
    expect(plain[9]).toBe(1);
    expect(withPty[9]).toBe(3);
    expect(Buffer.from(withPty.subarray(10, withPty.length - 4))).toEqual(
      Buffer.from(plain.subarray(10)),
    );
    expect([...withPty.subarray(withPty.length - 4)]).toEqual([2, 1, 4, 3]);
    expect(decodeAll(plain)).toEqual([base]);
  });

  it("rejects a pty flag without the size, and unknown flag bits", () => {
    const bytes = encodeFrame(base);
    bytes[9] = 2;
    expect(decodeAll(bytes)[0]).toMatchObject({ code: ErrorCode.malformed, id: 9 });
    bytes[9] = 4;
    expect(decodeAll(bytes)[0]).toEqual({
      code: ErrorCode.malformed,
      id: 9,
      message: "exec: unknown flags",
    });
  });

  it("rejects a resize with a short or long payload", () => {
    const ok = encodeFrame({ type: "resize", id: 4, rows: 1, cols: 2 });
    const short = Buffer.from(ok.subarray(0, ok.length - 1));
    short[0] = short[0]! - 1;
    expect(decodeAll(short)[0]).toMatchObject({ code: ErrorCode.malformed, id: 4 });
    const long = Buffer.concat([ok, Buffer.of(0)]);
    long[0] = long[0]! + 1;
    expect(decodeAll(long)[0]).toMatchObject({ code: ErrorCode.malformed, id: 4 });
  });
});

describe("codec properties", () => {
  it("round-trips any frame sequence however the bytes are split", () => {
    fc.assert(
      fc.property(
        fc.array(arbFrame, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (frames, cuts) => {
          const all = Buffer.concat(frames.map(encodeFrame));
          const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
          const d = new FrameDecoder();
          const got: (Frame | DecodeFailure)[] = [];
          let at = 0;
          for (const p of [...points, all.length]) {
            d.push(all.subarray(at, p));
            at = p;
            for (let f = d.next(); f !== undefined; f = d.next()) got.push(f);
          }
          expect(got).toEqual(frames);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never throws on garbage", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (garbage) => {
        decodeAll(garbage);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses to encode a payload over the limit", () => {
    expect(() =>
      encodeFrame({ type: "stdout", id: 1, data: new Uint8Array(MAX_PAYLOAD + 1) }),
    ).toThrow(RangeError);
    expect(encodeFrame({ type: "stdout", id: 1, data: new Uint8Array(MAX_PAYLOAD) }).length).toBe(
      MAX_PAYLOAD + 9,
    );
  });
});
