import { createHash, randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMicroVm,
  VmBootError,
  VmBootTimeoutError,
  VmDisposedError,
  VmSpawnError,
  type MicroVm,
  type VmProcess,
} from "../../src/index.js";

// Real QEMU microVMs. Software emulation (TCG) on machines whose KVM cannot boot stock kernels;
// createMicroVm warns once when it falls back. Missing artifacts make these tests fail, not skip:
// the package's test script builds them first.

/** QEMU processes whose kernel command line carries this hostname. */
function qemuProcessesFor(hostname: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (
        cmdline.includes("qemu-system") &&
        cmdline.includes(`airlock.hostname=${hostname}\u0020`)
      ) {
        pids.push(Number(entry));
      }
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function isRunning(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function collect(proc: VmProcess): Promise<{ stdout: Buffer; stderr: Buffer }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  proc.stdout.on("data", (c: Buffer) => out.push(c));
  proc.stderr.on("data", (c: Buffer) => err.push(c));
  await Promise.all([
    new Promise((r) => proc.stdout.once("end", r)),
    new Promise((r) => proc.stderr.once("end", r)),
  ]);
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

describe("one shared microVM (read-only root)", () => {
  let vm: MicroVm;
  beforeAll(async () => {
    vm = await createMicroVm({ hostname: "shared", resources: { cpus: 1, memoryMiB: 256 } });
  });
  afterAll(async () => {
    const pid = vm?.pid;
    await vm?.close();
    expect(isRunning(pid)).toBe(false);
  });

  it("boots and reports how", () => {
    expect(["kvm", "tcg"]).toContain(vm.accel);
    expect(vm.bootMs).toBeGreaterThan(0);
    expect(vm.alive).toBe(true);
    expect(vm.image.flavour).toBe("small");
  });

  it("returns exit codes", async () => {
    expect((await vm.exec({ argv: ["true"] })).exitCode).toBe(0);
    const r = await vm.exec({ argv: ["sh", "-c", "exit 42"] });
    expect(r).toMatchObject({ exitCode: 42, signal: null, timedOut: false });
    expect(await vm.exec({ argv: ["hostname"] })).toMatchObject({
      stdout: "shared\n",
      exitCode: 0,
    });
  });

  it("keeps stdout and stderr apart", async () => {
    const r = await vm.exec({ argv: ["sh", "-c", "echo to-out; echo to-err >&2; echo more-out"] });
    expect(r.stdout).toBe("to-out\nmore-out\n");
    expect(r.stderr).toBe("to-err\n");
  });

  it("passes exactly the env given, cwd and argv bytes", async () => {
    const r = await vm.exec({
      argv: ["sh", "-c", 'echo "$GREETING|$HOME|$(pwd)|$1"', "sh", "a b  'c'"],
      env: { GREETING: "héllo" },
      cwd: "/etc",
    });
    expect(r.stdout).toBe("héllo||/etc|a b  'c'\n");
  });

  it("streams a few MB of binary output intact", async () => {
    const proc = vm.spawn({
      argv: [
        "sh",
        "-c",
        "head -c 4194304 /dev/urandom > /tmp/big && sha256sum /tmp/big >&2 && cat /tmp/big",
      ],
    });
    const [{ stdout, stderr }, status] = await Promise.all([collect(proc), proc.exited]);
    expect(status.exitCode).toBe(0);
    expect(stdout.length).toBe(4194304);
    expect(stderr.toString().split(" ")[0]).toBe(createHash("sha256").update(stdout).digest("hex"));
  });

  it("feeds stdin, whole or streamed", async () => {
    const input = randomBytes(300_000).toString("base64");
    const r = await vm.exec({ argv: ["sh", "-c", "wc -c; true"], stdin: input });
    expect(r.stdout.trim()).toBe(String(input.length));

    const cat = vm.spawn({ argv: ["sh", "-c", "read line; echo got:$line; cat"], stdin: "pipe" });
    const got = collect(cat);
    cat.stdin!.write("first\n");
    cat.stdin!.end("rest");
    expect((await got).stdout.toString()).toBe("got:first\nrest");
    expect((await cat.exited).exitCode).toBe(0);
  });

  it("a timeout kills the command and every descendant, even ones that left its process group", async () => {
    const started = Date.now();
    const r = await vm.exec({
      argv: ["sh", "-c", "sleep 301 & setsid sleep 302 & echo started; sleep 303"],
      timeoutMs: 1000,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r).toMatchObject({
      timedOut: true,
      signal: "SIGKILL",
      exitCode: null,
      stdout: "started\n",
    });
    const ps = await vm.exec({ argv: ["ps", "-o", "pid,args"] });
    expect(ps.stdout).not.toMatch(/sleep 30[123]/);
    // Allow: a command that ends in time is not marked.
    expect(await vm.exec({ argv: ["sleep", "0.1"], timeoutMs: 5000 })).toMatchObject({
      timedOut: false,
      exitCode: 0,
    });
  });

  it("kill() and AbortSignal end a running command", async () => {
    const p = vm.spawn({ argv: ["sleep", "300"] });
    p.kill("SIGTERM");
    expect(await p.exited).toMatchObject({ signal: "SIGTERM", exitCode: null });

    const ac = new AbortController();
    const running = vm.exec({ argv: ["sleep", "300"], signal: ac.signal });
    setTimeout(() => ac.abort(new Error("stop")), 200);
    await expect(running).rejects.toThrow("stop");
  });

  it("refuses writes to the read-only root, allows them in /tmp", async () => {
    const deny = await vm.exec({ argv: ["sh", "-c", "echo x > /etc/owned"] });
    expect(deny.exitCode).not.toBe(0);
    expect(deny.stderr).toContain("Read-only file system");
    expect((await vm.exec({ argv: ["sh", "-c", "echo x > /tmp/ok && cat /tmp/ok"] })).stdout).toBe(
      "x\n",
    );
  });

  it("reports a command that cannot start as a guest error, and keeps serving", async () => {
    const err = await vm.exec({ argv: ["/no/such/program"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmSpawnError);
    expect(err).toMatchObject({ code: "AIRLOCK_VM_SPAWN", guestCode: "ENOENT" });
    const badCwd = await vm.exec({ argv: ["true"], cwd: "/nope" }).catch((e: unknown) => e);
    expect(badCwd).toMatchObject({ guestCode: "ENOENT" });
    expect((await vm.exec({ argv: ["echo", "still here"] })).stdout).toBe("still here\n");
  });

  it("runs commands concurrently", async () => {
    const started = Date.now();
    const rs = await Promise.all(
      [1, 2, 3].map((i) => vm.exec({ argv: ["sh", "-c", `sleep 1; echo ${i}`] })),
    );
    expect(rs.map((r) => r.stdout)).toEqual(["1\n", "2\n", "3\n"]);
    // Parallel, not serial; and the guest clock keeps host time (a wrong TSC rate skews it).
    expect(Date.now() - started).toBeLessThan(2900);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("writable roots are private to their VM and vanish at close", async () => {
    const a = await createMicroVm({ writableRoot: true, hostname: "vm-a" });
    const aPid = a.pid;
    try {
      const w = await a.exec({
        argv: ["sh", "-c", "echo secret > /etc/marker && cat /etc/marker && hostname"],
      });
      expect(w).toMatchObject({ exitCode: 0, stdout: "secret\nvm-a\n" });
      // Both VMs are up at once: neither sees the other's files.
      expect((await vm.exec({ argv: ["cat", "/etc/marker"] })).exitCode).not.toBe(0);
      await vm.exec({ argv: ["sh", "-c", "echo mine > /tmp/shared-only"] });
      expect((await a.exec({ argv: ["cat", "/tmp/shared-only"] })).exitCode).not.toBe(0);
    } finally {
      await a.close();
    }
    await a.close(); // idempotent
    expect(isRunning(aPid)).toBe(false);
    expect(() => a.spawn({ argv: ["true"] })).toThrow(VmDisposedError);
    await expect(a.exec({ argv: ["true"] })).rejects.toMatchObject({ code: "AIRLOCK_DISPOSED" });

    await using b = await createMicroVm({ writableRoot: true, hostname: "vm-b" });
    const r = await b.exec({ argv: ["cat", "/etc/marker"] });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("No such file");
  });
});

describe("boot failures clean up after themselves", () => {
  it("a guest that hangs at boot times out and leaves no QEMU", async () => {
    const hostname = `hang-${randomBytes(3).toString("hex")}`;
    // No init to run, no root to mount: the kernel panics, and panic=0 makes it wait forever.
    const err = await createMicroVm({
      hostname,
      bootTimeoutMs: 4000,
      extraKernelArgs: ["rdinit=/nonexistent", "panic=0"],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VmBootTimeoutError);
    expect(err).toMatchObject({ code: "AIRLOCK_VM_BOOT_TIMEOUT", timeoutMs: 4000 });
    expect(qemuProcessesFor(hostname)).toEqual([]);
  });

  it("a guest whose kernel gives up is reported with its console", async () => {
    const hostname = `fail-${randomBytes(3).toString("hex")}`;
    const err = await createMicroVm({ hostname, extraKernelArgs: ["rdinit=/nonexistent"] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VmBootError);
    expect((err as VmBootError).console).toMatch(/Kernel panic|VFS/);
    expect(qemuProcessesFor(hostname)).toEqual([]);
  });
});
