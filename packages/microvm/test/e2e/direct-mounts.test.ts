import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants as fsConstants,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostDir } from "@airlock/vfs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMicroVm, directHostDir, type MicroVm } from "../../src/index.js";

// One real VM with two directHostDir grants (QEMU's virtio-9p, read-only) next to a hostDir served
// by the TypeScript server, so both transports are exercised in the same guest.

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("directHostDir mounts (QEMU virtio-9p, read-only)", () => {
  let vm: MicroVm;
  let base: string;
  let src: string;
  let tools: string;
  let work: string;
  const SECRET = "host secret: must never reach the guest";
  const big = randomBytes(16 * 1024 * 1024 + 77);
  let before: string[];

  const sh = async (script: string, timeoutMs = 60_000) => {
    const r = await vm.exec({ argv: ["sh", "-c", script], timeoutMs });
    return { ...r, out: r.stdout + r.stderr };
  };

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "airlock-v9p-"));
    src = join(base, "src");
    tools = join(base, "tools");
    work = join(base, "work");
    for (const d of [src, tools, work, join(src, "sub")]) mkdirSync(d);
    writeFileSync(join(base, "secret.txt"), SECRET);
    writeFileSync(join(src, "hello.txt"), "hello from the host\n");
    writeFileSync(join(src, "sub", "deep.txt"), "deep\n");
    writeFileSync(join(src, "big.bin"), big);
    writeFileSync(join(src, "tool.sh"), "#!/bin/sh\necho tool-ran\n");
    chmodSync(join(src, "tool.sh"), 0o755);
    writeFileSync(join(tools, "tool.sh"), "#!/bin/sh\necho tool-ran\n");
    chmodSync(join(tools, "tool.sh"), 0o755);
    // Links planted on the host that point out of the export: absolute, relative, to a directory.
    symlinkSync(join(base, "secret.txt"), join(src, "abs-out"));
    symlinkSync("../secret.txt", join(src, "rel-out"));
    symlinkSync(base, join(src, "dir-out"));
    symlinkSync("..", join(src, "up"));
    symlinkSync("hello.txt", join(src, "inside"));
    execFileSync("mkfifo", [join(src, "fifo")]);
    before = readdirSync(src).sort();
    vm = await createMicroVm({
      mounts: {
        "/src": directHostDir(src),
        "/tools": directHostDir(tools, { execute: true }),
        "/work": hostDir(work, { read: true, write: true }),
      },
    });
  }, 90_000);

  afterAll(async () => {
    await vm?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it("mounts through virtio-9p, read-only, next to a served mount", async () => {
    const r = await sh("grep ' 9p ' /proc/mounts");
    expect(r.out).toMatch(/^airlock\.fs\.\d+ \/src 9p ro,.*noexec.*trans=virtio/m);
    expect(r.out).toMatch(/^airlock\.fs\.\d+ \/tools 9p ro,(?!.*noexec).*trans=virtio/m);
    expect(r.out).toMatch(/^airlock \/work 9p rw,.*trans=fd/m);
    // QEMU serves them: the host's 9P server has no session for a direct mount.
    expect(vm.mounts.stats("/src")).toBeUndefined();
    expect(vm.mounts.stats("/work")?.requests).toBeGreaterThan(0);
  });

  it("reads host files, large ones intact, and sees host-side changes at once", async () => {
    const r = await sh(
      "cat /src/hello.txt /src/sub/deep.txt /src/inside && sha256sum /src/big.bin && stat -c %s /src/big.bin && ls /src",
    );
    expect(r.out).toBe(
      `hello from the host\ndeep\nhello from the host\n${sha256(big)}  /src/big.bin\n${big.length}\n` +
        `${before.join("\n")}\n`,
    );
    writeFileSync(join(src, "hello.txt"), "changed on the host\n");
    expect((await sh("cat /src/hello.txt")).out).toBe("changed on the host\n");
    // Copying into a served, writable mount works (the two transports side by side).
    const cp = await sh("cp /src/big.bin /work/copy.bin && echo ok");
    expect(cp.out).toBe("ok\n");
    expect(sha256(readFileSync(join(work, "copy.bin")))).toBe(sha256(big));
  });

  it("refuses every write, even after the guest remounts it read-write", async () => {
    const writes =
      "echo x > /src/new.txt; echo x >> /src/hello.txt; : > /src/hello.txt; mkdir /src/d; rm /src/sub/deep.txt; " +
      "mv /src/hello.txt /src/moved; ln -s /etc/passwd /src/planted; ln /src/hello.txt /src/hard; " +
      "chmod 777 /src/hello.txt; touch -d 2000-01-01 /src/hello.txt; mkfifo /src/fifo; true";
    const r = await sh(writes);
    expect(r.out).toMatch(/Read-only file system/);
    // Root in the guest can flip its own mount flag; QEMU's readonly=on export still refuses.
    const remount = await sh("mount -o remount,rw /src && grep ' /src ' /proc/mounts");
    expect(remount.out).toMatch(/ \/src 9p rw,/);
    const again = await sh(writes);
    expect(again.out).toMatch(/Read-only file system/);
    // Nothing changed on the host.
    expect(readdirSync(src).sort()).toEqual(before);
    expect(readFileSync(join(src, "hello.txt"), "utf8")).toBe("changed on the host\n");
    expect(readFileSync(join(src, "sub", "deep.txt"), "utf8")).toBe("deep\n");
    expect(statSync(join(src, "hello.txt")).mode & 0o777).toBe(0o644);
    expect(statSync(join(src, "hello.txt")).mtime.getFullYear()).toBeGreaterThan(2000);
  });

  it("never follows a link or .. out of the export on the host", async () => {
    const r = await sh(
      "cat /src/abs-out; cat /src/rel-out; cat /src/dir-out/secret.txt; cat /src/up/secret.txt; " +
        "cat /src/../secret.txt; cd /src/sub && cat ../../secret.txt ../../../../secret.txt; " +
        "ls /src/dir-out /src/up; readlink /src/abs-out",
    );
    expect(r.out).not.toContain(SECRET);
    // The guest reads the link text and resolves it in its own namespace: the absolute target
    // names a guest path (the host path leaks as text, never as content).
    expect(r.out).toContain(join(base, "secret.txt"));
    const guestSide = await sh(
      `mkdir -p ${base} && echo guest-copy > ${base}/secret.txt && cat /src/abs-out`,
    );
    expect(guestSide.out).toBe("guest-copy\n");
    // A link inside the export still works (the allow beside the denies).
    expect((await sh("cat /src/inside")).out).toBe("changed on the host\n");
  });

  it("opens a FIFO of the export on the guest side, never the host's", async () => {
    const r = await sh(
      "ls -l /src/fifo | cut -c1; timeout 2 cat /src/fifo; echo rc=$?; cat /src/sub/deep.txt",
    );
    // A FIFO in the guest (its reader waits for a guest writer, here until the timeout); QEMU is
    // not stuck afterwards.
    expect(r.stdout).toBe("p\nrc=143\ndeep\n");
    // No reader ever opened the host FIFO: a non-blocking writer finds none (ENXIO).
    expect(() =>
      openSync(join(src, "fifo"), fsConstants.O_WRONLY | fsConstants.O_NONBLOCK),
    ).toThrow(expect.objectContaining({ code: "ENXIO" }));
  });

  it("is noexec unless the grant allows execute", async () => {
    const denied = await sh("/src/tool.sh");
    expect(denied.exitCode).not.toBe(0);
    expect(denied.out).toMatch(/Permission denied/);
    expect(denied.out).not.toContain("tool-ran");
    const allowed = await sh("/tools/tool.sh");
    expect(allowed.out).toBe("tool-ran\n");
    expect(allowed.exitCode).toBe(0);
  });

  it("gives the host the read-only vfs tools on a direct mount", async () => {
    const t = vm.mounts.host("/src");
    expect(t.read({ path: "sub/deep.txt" }).text).toBe("deep");
    expect(() => t.write({ path: "x.txt", content: "x" })).toThrow();
    expect(() => t.read({ path: "abs-out" })).toThrow();
    expect(readdirSync(src).sort()).toEqual(before);
  });
});
