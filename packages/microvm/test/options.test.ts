import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AirlockError } from "@airlock/config";
import { hostDir, VfsConfigError } from "@airlock/vfs";
import { afterEach, describe, expect, it } from "vitest";
import { kvmHostProblem } from "../src/accel.js";
import { guestInitHash, resolveImage, type VmImage } from "../src/artifacts.js";
import {
  createMicroVm,
  detectAccel,
  directHostDir,
  VmAccelUnavailableError,
  VmArtifactsMissingError,
  VmImageOutdatedError,
  VmOptionsError,
} from "../src/index.js";
import { mountPorts } from "../src/mounts.js";
import { execFields } from "../src/process.js";
import { hostTscKhz, kernelCommandLine, qemuArgs, type QemuSpec } from "../src/qemu.js";

const image: VmImage = {
  dir: "/img",
  kernel: "/img/vmlinux",
  initrd: "/img/initrd.cpio",
  rootfs: "/img/rootfs.erofs",
  flavour: "small",
  hash: "x",
  kernelRelease: "6.1.0-0-amd64",
  features: ["virtio-9p"],
};
const spec = (over: Partial<QemuSpec> = {}): QemuSpec => ({
  image,
  accel: "tcg",
  cpus: 1,
  memoryMiB: 256,
  writableRoot: false,
  hostname: "h1",
  controlSocket: "/tmp/x/ctl.sock",
  extraKernelArgs: [],
  ...over,
});

describe("qemu command line", () => {
  it("has no default devices and no network device", () => {
    const args = qemuArgs(spec());
    expect(args).toEqual(
      expect.arrayContaining(["-nodefaults", "-no-user-config", "-nographic", "-no-reboot"]),
    );
    expect(args.join(" ")).not.toMatch(/netdev|-nic|virtio-net/);
  });

  it("attaches the root image read-only", () => {
    expect(qemuArgs(spec())).toContain(
      "id=root,file=/img/rootfs.erofs,format=raw,if=none,readonly=on",
    );
  });

  it("uses -cpu max and tsc_early_khz only under TCG", () => {
    const tcg = qemuArgs(spec());
    expect(tcg.join(" ")).toContain("-accel tcg -cpu max");
    expect(kernelCommandLine(spec())).toContain(`tsc_early_khz=${hostTscKhz()}`);
    expect(hostTscKhz()).toBeGreaterThan(100_000);
    const kvm = qemuArgs(spec({ accel: "kvm" }));
    expect(kvm.join(" ")).toContain("-accel kvm -cpu host");
    expect(kernelCommandLine(spec({ accel: "kvm" }))).not.toContain("tsc_early_khz");
  });

  it("asks for the overlay only for a writable root", () => {
    expect(kernelCommandLine(spec())).not.toContain("airlock.overlay");
    expect(kernelCommandLine(spec({ writableRoot: true }))).toContain("airlock.overlay=1");
  });

  it("puts extra kernel args last so they win", () => {
    expect(
      kernelCommandLine(spec({ extraKernelArgs: ["panic=0"] }))
        .split(" ")
        .at(-1),
    ).toBe("panic=0");
  });
});

describe("mounts on the command line", () => {
  let dir: string;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves hostDir over a virtio-serial port and directHostDir through a read-only virtio-9p export", () => {
    dir = mkdtempSync(join(tmpdir(), "airlock-mnt-"));
    const odd = join(dir, "a,b");
    mkdirSync(odd);
    mkdirSync(join(dir, "w"));
    const ports = mountPorts(
      [
        ["/src", directHostDir(odd)],
        ["/work", hostDir(join(dir, "w"), { read: true, write: true })],
        ["/tools", directHostDir(dir, { execute: true })],
      ],
      "/tmp/x",
    );
    const words = kernelCommandLine(spec({ mounts: ports })).split(" ");
    expect(words).toContain("airlock.vmount=/src@airlock.fs.0");
    expect(words).toContain("airlock.mount=/work@airlock.9p.1");
    expect(words).toContain("airlock.vmount=/tools@airlock.fs.2:exec");
    const args = qemuArgs(spec({ mounts: ports })).join(" ");
    // QEMU's option syntax doubles commas inside values.
    expect(args).toContain(
      `-fsdev local,id=fs_0,path=${dir}/a,,b,security_model=none,readonly=on,multidevs=remap ` +
        `-device virtio-9p-device,fsdev=fs_0,mount_tag=airlock.fs.0`,
    );
    expect(args).toContain(
      "-chardev socket,id=p9_1,path=/tmp/x/9p-1.sock -device virtserialport,chardev=p9_1,name=airlock.9p.1",
    );
    expect(args).toContain(`path=${dir},security_model=none,readonly=on`);
    // Every virtio-9p export is read-only; nothing else is exported.
    expect(args.match(/-fsdev /g)).toHaveLength(2);
    expect(args.match(/readonly=on,multidevs/g)).toHaveLength(2);
  });

  it("directHostDir is a read-only hostDir on the host, and refuses what hostDir refuses", () => {
    dir = mkdtempSync(join(tmpdir(), "airlock-mnt-"));
    writeFileSync(join(dir, "f"), "x");
    const fs = directHostDir(dir);
    expect(fs).toMatchObject({ kind: "hostDir", read: true, write: false, execute: false });
    expect(directHostDir(dir, { execute: true }).execute).toBe(true);
    expect(() => fs.writeFile("/g", "y")).toThrow(expect.objectContaining({ errno: "EACCES" }));
    expect(() => directHostDir(join(dir, "missing"))).toThrow(VmOptionsError);
    expect(() => directHostDir("")).toThrow(VmOptionsError);
    expect(() => directHostDir(join(dir, "f"))).toThrow(VfsConfigError);
    expect(() => directHostDir("/proc/self")).toThrow(VfsConfigError);
  });

  /** An image directory with empty files and the given manifest fields. */
  const fakeImage = (fields: Record<string, unknown>) => {
    dir = mkdtempSync(join(tmpdir(), "airlock-oldimg-"));
    const img = join(dir, "img");
    mkdirSync(img);
    for (const f of ["vmlinux", "initrd.cpio", "rootfs.erofs"]) writeFileSync(join(img, f), "");
    const manifest = { format: 1, flavour: "small", hash: "old", kernelRelease: "6.1.0-0-amd64" };
    writeFileSync(
      join(img, "manifest.json"),
      JSON.stringify({
        ...manifest,
        kernel: "vmlinux",
        initrd: "initrd.cpio",
        rootfs: "rootfs.erofs",
        ...fields,
      }),
    );
    return img;
  };

  it("refuses an image built from other guest-init sources than this checkout's", () => {
    const current = guestInitHash();
    // This test runs in the source checkout, where the crate is present.
    expect(current).toMatch(/^[0-9a-f]{16}$/);
    for (const initHash of [undefined, "0123456789abcdef"]) {
      const img = fakeImage({ initHash, features: ["virtio-9p"] });
      expect(() => resolveImage(img)).toThrow(VmImageOutdatedError);
      expect(() => resolveImage(img)).toThrow(/crates\/guest-init/);
      rmSync(dir, { recursive: true, force: true });
    }
    const img = fakeImage({ initHash: current, features: ["virtio-9p"] });
    expect(resolveImage(img)).toMatchObject({ dir: img, features: ["virtio-9p"] });
    expect(guestInitHash(join(dir, "no-crate-here"))).toBeUndefined();
  });

  it("refuses a directHostDir with an image whose init cannot mount it", async () => {
    const img = fakeImage({ initHash: guestInitHash() });
    const err = await createMicroVm({
      image: img,
      mounts: { "/src": directHostDir(dir) },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmImageOutdatedError);
    expect((err as VmImageOutdatedError).code).toBe("AIRLOCK_VM_IMAGE_OUTDATED");
    expect((err as Error).message).toContain("/src");
  });
});

describe("exec options", () => {
  it("turns env into KEY=VALUE and defaults cwd to /", () => {
    expect(execFields({ argv: ["sh"], env: { A: "1", B: "" } })).toEqual({
      stdin: false,
      timeoutMs: 0,
      cwd: "/",
      argv: ["sh"],
      env: ["A=1", "B="],
    });
  });

  it("a pty implies stdin and carries its size; without pty the frame has none", () => {
    expect(execFields({ argv: ["sh"], pty: { rows: 24, cols: 80 } })).toMatchObject({
      stdin: true,
      pty: { rows: 24, cols: 80 },
    });
    expect(execFields({ argv: ["sh"], stdin: "pipe" })).not.toHaveProperty("pty");
  });

  it.each([
    [{ argv: [] }, "argv"],
    [{ argv: ["a\0b"] }, "argv"],
    [{ argv: ["sh"], cwd: "relative" }, "cwd"],
    [{ argv: ["sh"], env: { "A=B": "x" } }, "env.A=B"],
    [{ argv: ["sh"], timeoutMs: -1 }, "timeoutMs"],
    [{ argv: ["sh"], timeoutMs: 1.5 }, "timeoutMs"],
    [{ argv: ["sh"], pty: { rows: 0, cols: 80 } }, "pty"],
    [{ argv: ["sh"], pty: { rows: 24, cols: 65536 } }, "pty"],
    [{ argv: ["sh"], pty: { rows: 24.5, cols: 80 } }, "pty"],
  ])("rejects %j", (opts, field) => {
    expect(() => execFields(opts)).toThrow(
      expect.objectContaining({ code: "AIRLOCK_VM_OPTIONS", field }),
    );
  });
});

describe("createMicroVm refuses bad input before starting anything", () => {
  const saved = process.env["AIRLOCK_VM_ARTIFACTS"];
  afterEach(() => {
    if (saved === undefined) delete process.env["AIRLOCK_VM_ARTIFACTS"];
    else process.env["AIRLOCK_VM_ARTIFACTS"] = saved;
  });

  it("names the build script when artifacts are missing", async () => {
    const empty = mkdtempSync(join(tmpdir(), "airlock-noart-"));
    try {
      process.env["AIRLOCK_VM_ARTIFACTS"] = empty;
      expect(() => resolveImage()).toThrow(VmArtifactsMissingError);
      const err = await createMicroVm({ accel: "tcg" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VmArtifactsMissingError);
      expect(err).toBeInstanceOf(AirlockError);
      expect((err as AirlockError).code).toBe("AIRLOCK_VM_ARTIFACTS_MISSING");
      expect((err as Error).message).toContain("scripts/build-artifacts.sh");
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it.each([
    [{ resources: { cpus: 0 } }, "resources.cpus"],
    [{ resources: { memoryMiB: 16 } }, "resources.memoryMiB"],
    [{ hostname: "bad name" }, "hostname"],
    [{ extraKernelArgs: ["a b"] }, "extraKernelArgs"],
    [{ accel: "xen" as never }, "accel"],
  ])("rejects %j", async (opts, field) => {
    const err = await createMicroVm({ ...opts }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmOptionsError);
    expect((err as VmOptionsError).field).toBe(field);
  });
});

describe("KVM detection", () => {
  it("falls back to TCG with the host check's reason, and refuses a forced KVM", async () => {
    const problem = kvmHostProblem();
    const report = await detectAccel();
    if (problem === undefined) {
      expect(["kvm", "tcg"]).toContain(report.accel);
      return;
    }
    // On this project's machines /dev/kvm is a nested PVM hypervisor: no kvm_intel/kvm_amd.
    expect(report).toEqual({ accel: "tcg", reason: problem });
    const err = await createMicroVm({ accel: "kvm" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmAccelUnavailableError);
    expect((err as Error).message).toContain(problem);
  });
});
