import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostDir, memoryFs, type FileSystem } from "@airlock/vfs";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { NinePSession } from "../src/ninep/server.js";
import { Op, Reader, Writer } from "../src/ninep/wire.js";

// The 9P server against real filesystems, without a VM: protocol-level traversal attempts that
// the Linux client never sends, so the e2e tests cannot show them.

const E = constants.errno;

function session(fs: FileSystem = memoryFs()) {
  const s = new NinePSession(fs);
  const call = (type: number, build: (w: Writer) => Writer = (w) => w) => {
    const reply = s.handle(build(new Writer(type, 1)).finish());
    return { type: reply.readUInt8(4), body: new Reader(reply.subarray(7)) };
  };
  call(Op.Tversion, (w) => w.u32(65536).str("9P2000.L"));
  expect(call(Op.Tattach, (w) => w.u32(0).u32(0xffffffff).str("").str("").u32(0)).type).toBe(
    Op.Tattach + 1,
  );
  const walk = (fid: number, newFid: number, names: (string | Buffer)[]) =>
    call(Op.Twalk, (w) => {
      w.u32(fid).u32(newFid).u16(names.length);
      for (const n of names) w.str(n);
      return w;
    });
  const errno = (r: { type: number; body: Reader }) => (r.type === Op.Rlerror ? r.body.u32() : 0);
  const read = (fid: number) => {
    const open = call(Op.Tlopen, (w) => w.u32(fid).u32(0));
    if (open.type === Op.Rlerror) return `errno ${open.body.u32()}`;
    const r = call(Op.Tread, (w) => w.u32(fid).u64(0).u32(4096));
    if (r.type === Op.Rlerror) return `errno ${r.body.u32()}`;
    return r.body.bytes(r.body.u32()).toString();
  };
  return { s, call, walk, errno, read };
}

describe("NinePSession", () => {
  const base = mkdtempSync(join(tmpdir(), "airlock-9p-unit-"));
  mkdirSync(join(base, "root"));
  writeFileSync(join(base, "secret"), "SECRET");
  writeFileSync(join(base, "root", "ok"), "OK");
  symlinkSync(join(base, "secret"), join(base, "root", "abs"));
  symlinkSync("../secret", join(base, "root", "rel"));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("clamps .. at the export root and reads what is inside", () => {
    const t = session(hostDir(join(base, "root"), { read: true }));
    expect(t.walk(0, 1, ["..", "..", "ok"]).type).toBe(Op.Twalk + 1);
    expect(t.read(1)).toBe("OK");
    // `..` then the secret's name: it would be the secret one level up; here it does not exist.
    // 9P answers a walk that fails after its first name with the qids walked so far (1 of 2).
    const partial = t.walk(0, 2, ["..", "secret"]);
    expect(partial.type).toBe(Op.Twalk + 1);
    expect(partial.body.u16()).toBe(1);
    expect(t.errno(t.call(Op.Tgetattr, (w) => w.u32(2).u64(0)))).toBe(E.EBADF);
    expect(t.errno(t.walk(0, 2, ["secret"]))).toBe(E.ENOENT);
  });

  it("refuses names with a slash, NUL, '.' or invalid UTF-8, and links pointing out", () => {
    const t = session(hostDir(join(base, "root"), { read: true }));
    for (const bad of ["../secret", "a/b", "a\0b", ".", Buffer.from([0xff, 0xfe])]) {
      expect(t.errno(t.walk(0, 3, [bad]))).toBe(E.EINVAL);
    }
    for (const link of ["abs", "rel"]) {
      expect(t.walk(0, 4, [link]).type).toBe(Op.Twalk + 1); // the link itself is visible…
      expect(t.errno(t.call(Op.Treadlink, (w) => w.u32(4)))).toBe(E.EACCES); // …its target is not
      expect(t.read(4)).toBe(`errno ${E.ELOOP}`);
      expect(t.walk(4, 5, ["x"]).type).toBe(Op.Rlerror);
      t.call(Op.Tclunk, (w) => w.u32(4));
    }
    expect(t.errno(t.call(Op.Tlink, (w) => w.u32(0).u32(0).str("x")))).toBe(E.EPERM);
  });

  it("never lets random walks name anything but the export's own entries", () => {
    const t = session(hostDir(join(base, "root"), { read: true }));
    const name = fc.oneof(
      fc.constantFrom("..", ".", "ok", "secret", "root", "abs", "rel", "", "/"),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(name, { maxLength: 8 }), (names) => {
        const r = t.walk(0, 9, names);
        if (r.type === Op.Twalk + 1 && r.body.u16() === names.length && names.length > 0) {
          const content = t.read(9);
          expect(content).not.toContain("SECRET");
        }
        t.call(Op.Tclunk, (w) => w.u32(9));
      }),
      { numRuns: 300 },
    );
  });

  it("answers unknown fids and short messages with an errno, not a crash", () => {
    const t = session();
    expect(t.errno(t.call(Op.Tgetattr, (w) => w.u32(77).u64(0)))).toBe(E.EBADF);
    expect(t.errno(t.call(Op.Twalk, (w) => w.u32(0)))).toBe(E.EINVAL);
    expect(t.errno(t.call(99))).toBe(E.EOPNOTSUPP);
  });
});
