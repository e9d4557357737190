import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostDir, memoryFs, readOnly, virtualFs } from "@airlock/vfs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMicroVm, type MicroVm } from "../../src/index.js";

// One real VM with five 9P mounts, reused across cases: isolation between cases is not the point
// here, the mounts' behaviour seen from inside the guest is.

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("9P mounts backed by @airlock/vfs", () => {
  let vm: MicroVm;
  let base: string;
  let work: string;
  let ro: string;
  const SECRET = "host secret: must never reach the guest";
  const big = randomBytes(16 * 1024 * 1024 + 123);
  const virtualWrites: string[] = [];

  const sh = async (script: string, timeoutMs = 60_000) => {
    const r = await vm.exec({ argv: ["sh", "-c", script], timeoutMs });
    return { ...r, out: r.stdout + r.stderr };
  };

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "airlock-9p-"));
    work = join(base, "work");
    ro = join(base, "ro");
    mkdirSync(work);
    mkdirSync(ro);
    // Outside every grant, next to it.
    writeFileSync(join(base, "secret.txt"), SECRET);
    writeFileSync(join(work, "hello.txt"), "hello from the host\n");
    writeFileSync(join(work, "big.bin"), big);
    writeFileSync(join(ro, "readme.txt"), "read only\n");
    // Links planted on the host that point out of the grant.
    symlinkSync(join(base, "secret.txt"), join(work, "abs-out"));
    symlinkSync("../secret.txt", join(work, "rel-out"));
    symlinkSync("hello.txt", join(work, "inside"));
    vm = await createMicroVm({
      mounts: {
        "/workspace": hostDir(work, { read: true, write: true }),
        "/ro": hostDir(ro, { read: true }),
        "/scratch": memoryFs(),
        "/locked": readOnly(memoryFs()),
        "/sandbox": virtualFs({
          stat: (p) =>
            p === "/"
              ? { type: "dir" }
              : p === "/motd"
                ? { type: "file", size: 6 }
                : p === "/out"
                  ? { type: "file", size: 0 }
                  : null,
          list: () => ["motd", "out"],
          read: (p) => (p === "/motd" ? "hello\n" : ""),
          write: (p, data) => void virtualWrites.push(`${p}:${Buffer.from(data).toString()}`),
        }),
      },
    });
  }, 90_000);

  afterAll(async () => {
    await vm?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it("reads host files and writes back, both ways", async () => {
    const r = await sh(
      "cat /workspace/hello.txt && echo written-by-guest > /workspace/from-guest.txt && " +
        "mkdir -p /workspace/d/e && echo nested > /workspace/d/e/f.txt && " +
        "mv /workspace/d/e/f.txt /workspace/d/g.txt && ls /workspace/d",
    );
    expect(r.out).toBe("hello from the host\ne\ng.txt\n");
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(work, "from-guest.txt"), "utf8")).toBe("written-by-guest\n");
    expect(readFileSync(join(work, "d/g.txt"), "utf8")).toBe("nested\n");
    const rm = await sh(
      "rm /workspace/d/g.txt && rmdir /workspace/d/e /workspace/d && ls /workspace/d",
    );
    expect(rm.exitCode).not.toBe(0);
    expect(existsSync(join(work, "d"))).toBe(false);
    // Appends, truncation, and a host-side change seen by the guest (cache=none).
    const t = await sh(
      "printf ab > /workspace/t && printf cd >> /workspace/t && cat /workspace/t && echo && " +
        "truncate -s 1 /workspace/t && cat /workspace/t && echo && stat -c %s /workspace/t && df /workspace >/dev/null && echo df-ok",
    );
    expect(t.out).toBe("abcd\na\n1\ndf-ok\n");
    writeFileSync(join(work, "t"), "changed on host");
    expect((await sh("cat /workspace/t")).out).toBe("changed on host");
  });

  it("streams a large file both ways (msize 512 KiB)", async () => {
    const r = await sh("sha256sum /workspace/big.bin && stat -c %s /workspace/big.bin");
    expect(r.out).toBe(`${sha256(big)}  /workspace/big.bin\n${big.length}\n`);
    const w = await sh(
      "dd if=/dev/urandom of=/tmp/up bs=1M count=8 2>/dev/null && cp /tmp/up /workspace/up.bin && sha256sum /tmp/up",
    );
    expect(w.exitCode).toBe(0);
    expect(sha256(readFileSync(join(work, "up.bin")))).toBe(w.stdout.split(" ")[0]);
    const stats = vm.mounts.stats("/workspace")!;
    expect(stats.bytesRead).toBeGreaterThanOrEqual(big.length);
    expect(stats.bytesWritten).toBeGreaterThanOrEqual(8 * 1024 * 1024);
  });

  it("handles many small files and concurrent writers", async () => {
    const r = await sh(
      "mkdir /workspace/many && cd /workspace/many && i=0; while [ $i -lt 300 ]; do echo $i > f$i; i=$((i+1)); done; " +
        "for w in 1 2 3 4; do (j=0; while [ $j -lt 40 ]; do echo $w-$j >> /workspace/many/w$w; j=$((j+1)); done) & done; wait; " +
        "ls /workspace/many | wc -l; cat /workspace/many/f299; wc -l < /workspace/many/w3",
    );
    expect(r.out.split(/\s+/).filter(Boolean)).toEqual(["304", "299", "40"]);
    expect(readdirSync(join(work, "many"))).toHaveLength(304);
    expect(readFileSync(join(work, "many/w2"), "utf8").split("\n")).toHaveLength(41);
  });

  it("surfaces the vfs's permissions as Linux errnos: EACCES, EROFS", async () => {
    const allowed = await sh("cat /ro/readme.txt");
    expect(allowed.out).toBe("read only\n");
    const denied = await sh("echo x > /ro/new.txt; echo x >> /ro/readme.txt; mkdir /ro/d");
    expect(denied.out).toMatch(/Permission denied/);
    expect(denied.out).not.toMatch(/Read-only/);
    expect(readdirSync(ro)).toEqual(["readme.txt"]);
    const rofs = await sh("echo x > /locked/f; mkdir /locked/d");
    expect(rofs.out).toMatch(/Read-only file system/);
    const scratch = await sh("echo x > /scratch/f && cat /scratch/f");
    expect(scratch.out).toBe("x\n");
  });

  it("serves a virtualFs: reads from callbacks, writes to callbacks", async () => {
    const r = await sh("cat /sandbox/motd && ls /sandbox && echo sent > /sandbox/out");
    expect(r.out).toBe("hello\nmotd\nout\n");
    expect(virtualWrites).toContain("/out:sent\n");
  });

  it("refuses traversal: .. above the root, links pointing out, absolute targets", async () => {
    const r = await sh(
      "cat /workspace/../secret.txt; cat /workspace/abs-out; cat /workspace/rel-out; " +
        "cd /workspace && cat ../../secret.txt ../../../../secret.txt; ls -a /workspace/.. | head -3; " +
        `ln -s ${base}/secret.txt /workspace/planted; cat /workspace/planted; ` +
        "ln -s ../secret.txt /workspace/planted2; cat /workspace/planted2; " +
        "cat /workspace/inside",
    );
    expect(r.out).not.toContain(SECRET);
    // A link inside the grant still works (the allow beside the denies).
    expect(r.out).toContain("hello from the host");
    // Host-side: nothing outside the grant was touched.
    expect(readFileSync(join(base, "secret.txt"), "utf8")).toBe(SECRET);
    expect(readdirSync(base).sort()).toEqual(["ro", "secret.txt", "work"]);
  });

  it("gives the host the vfs tools on a mount without the guest", async () => {
    const tools = vm.mounts.host("/workspace");
    tools.write({ path: "/workspace/notes.md", content: "one\ntwo\n" });
    tools.patch({ path: "notes.md", edits: [{ oldText: "two", newText: "three" }] });
    expect((await sh("cat /workspace/notes.md")).out).toBe("one\nthree\n");
    await sh("echo from-guest > /workspace/g2.txt");
    expect(tools.read({ path: "g2.txt" }).text).toBe("from-guest");
    expect(tools.grep({ pattern: "three", path: "/workspace" }).matches).toHaveLength(1);
    expect(() => tools.read({ path: "/workspace/../secret.txt" })).toThrow();
    expect(() => vm.mounts.host("/nope")).toThrow(/not mounted/);
  });
});
