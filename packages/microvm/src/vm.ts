import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants as fsConstants } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { detectAccel, kvmHostProblem } from "./accel.js";
import { resolveImage, type VmImage } from "./artifacts.js";
import { ControlChannel } from "./control/channel.js";
import {
  VmAccelUnavailableError,
  VmBootError,
  VmImageOutdatedError,
  VmBootTimeoutError,
  VmDisposedError,
  VmExitedError,
  VmOptionsError,
  VmProtocolError,
  VmQemuMissingError,
} from "./errors.js";
import { spawnOnChannel, type ExitStatus, type SpawnOptions, type VmProcess } from "./process.js";
import { QEMU_BINARY, TailBuffer, launchQemu, qemuArgs, type Accel } from "./qemu.js";
import { Qmp } from "./qmp.js";
import type { FileSystem } from "@airlock/vfs";
import { VmMounts, mountPorts, validateMounts, type MountMap } from "./mounts.js";
import { directExportOf } from "./direct-dir.js";
import { EgressPlan, VmNetwork, forwarderPath, type NetworkOptions } from "./egress/network.js";
import type { HttpInterceptor } from "./egress/intercept.js";

/** How to build a microVM. Defaults: 1 CPU, 256 MiB, read-only root, no network, no env. */
export interface MicroVmOptions {
  /** Image flavour under artifacts/microvm (`"small"`, `"full"`) or an image directory. Default `"small"`. */
  image?: string;
  resources?: { cpus?: number; memoryMiB?: number };
  /** `"auto"` (default) uses KVM only when {@link detectAccel} proves it works, else TCG. */
  accel?: "auto" | Accel;
  /** Root is an overlay with a tmpfs upper: writes work and vanish at close(). Default false (read-only). */
  writableRoot?: boolean;
  /** Guest hostname; default `airlock-<random>`. */
  hostname?: string;
  /** Kill and fail the boot if the guest init has not answered by then. Default 30 s (TCG), 10 s (KVM). */
  bootTimeoutMs?: number;
  /** Appended to the kernel command line (later words win). For diagnostics and tests. */
  extraKernelArgs?: readonly string[];
  /**
   * Guest directories served from `@airlock/vfs` filesystems over 9P2000.L, e.g.
   * `{ "/workspace": hostDir(path, { read: true, write: true }), "/scratch": memoryFs() }`.
   * Mounted by the init before the VM is ready; the filesystem decides every permission.
   */
  mounts?: MountMap;
  /**
   * Egress policy. Absent (default): no network device at all. Present: restricted user
   * networking where every connection is checked by the host on its real destination.
   */
  network?: NetworkOptions;
}

/** What {@link MicroVm.exec} returns; output decoded as UTF-8. */
export interface ExecResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** {@link SpawnOptions} with the whole stdin given up front. */
export interface ExecOptions extends Omit<SpawnOptions, "stdin"> {
  stdin?: string | Uint8Array;
}

const HOSTNAME = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$/;
let warnedTcg = false;

async function resolveAccel(
  wanted: MicroVmOptions["accel"],
  image: string | undefined,
): Promise<Accel> {
  if (wanted === "tcg") return "tcg";
  if (wanted === "kvm") {
    const problem = kvmHostProblem();
    if (problem) throw new VmAccelUnavailableError(problem);
    return "kvm";
  }
  if (wanted !== undefined && wanted !== "auto") {
    throw new VmOptionsError("accel", `${String(wanted)} is not one of "auto", "kvm", "tcg"`);
  }
  const report = await detectAccel(image ? { image } : {});
  if (report.accel === "tcg" && !warnedTcg) {
    warnedTcg = true;
    process.emitWarning(
      `microVMs use software emulation (TCG), boots take seconds: ${report.reason}`,
      {
        code: "AIRLOCK_VM_TCG",
      },
    );
  }
  return report.accel;
}

function positiveInt(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new VmOptionsError(field, `give an integer from ${min} to ${max}`);
  }
  return value;
}

function onPath(binary: string): boolean {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    try {
      accessSync(join(dir, binary), fsConstants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

/**
 * Boots a QEMU `microvm` and waits until its init answers on the control channel.
 * Throws {@link VmArtifactsMissingError}, {@link VmBootError} or {@link VmBootTimeoutError};
 * on any failure QEMU is killed and its temp dir removed before the error is thrown.
 *
 * @example
 * await using vm = await createMicroVm({ resources: { cpus: 1, memoryMiB: 256 } });
 * const r = await vm.exec({ argv: ["sh", "-c", "echo hi"] }); // r.stdout === "hi\n"
 */
export async function createMicroVm(options: MicroVmOptions = {}): Promise<MicroVm> {
  const { vm } = await launch(await prepareLaunch(options), {});
  // The init mounts before it says hello, so every mount has spoken 9P by now; one that has not
  // means an image whose init predates mounts: fail rather than run without them.
  // (directHostDir mounts are QEMU's: the init fails the boot if one cannot be mounted.)
  const unmounted = vm.mounts.served.filter((p) => !vm.mounts.stats(p)?.requests);
  if (unmounted.length > 0) {
    const console = vm.console;
    await vm.close();
    throw new VmBootError(
      `the guest did not mount ${unmounted.join(", ")}: rebuild the image (build-artifacts.sh)`,
      console,
    );
  }
  if (vm.network) {
    try {
      await installCa(vm, vm.network.http.ca.certificatePem);
    } catch (e) {
      await vm.close();
      throw e;
    }
  }
  return vm;
}

/** Where the guest finds the sandbox CA (with the image's own bundle, if any, before it). */
export const GUEST_CA_FILE = "/run/airlock/ca.pem";
const CA_ENV = [
  "SSL_CERT_FILE",
  "CURL_CA_BUNDLE",
  "REQUESTS_CA_BUNDLE",
  "NODE_EXTRA_CA_CERTS",
  "GIT_SSL_CAINFO",
];

async function installCa(vm: MicroVm, pem: string): Promise<void> {
  const r = await vm.exec({
    argv: [
      "sh",
      "-c",
      // An init without network support leaves no resolv.conf: say so instead of running cut off.
      "grep -q '^nameserver 10.0.2.3' /etc/resolv.conf || { echo 'the image has no egress support: rebuild it' >&2; exit 1; }; " +
        `mkdir -p /run/airlock && { cat /etc/ssl/certs/ca-certificates.crt 2>/dev/null; cat; } > ${GUEST_CA_FILE}`,
    ],
    stdin: pem,
    timeoutMs: 30_000,
  });
  if (r.exitCode !== 0)
    throw new VmBootError(`could not install the sandbox CA: ${r.stderr}`, vm.console);
}

/** Validated options, artifacts found and accelerator chosen: everything but the process. */
export interface LaunchConfig {
  image: VmImage;
  accel: Accel;
  cpus: number;
  memoryMiB: number;
  writableRoot: boolean;
  hostname: string;
  extraKernelArgs: readonly string[];
  bootTimeoutMs: number;
  mounts: [string, FileSystem][];
  network: { plan: EgressPlan; forwarder: string } | undefined;
}

/** @internal Checks options before anything starts (shared with snapshots). */
export async function prepareLaunch(options: MicroVmOptions): Promise<LaunchConfig> {
  const cpus = positiveInt("resources.cpus", options.resources?.cpus ?? 1, 1, 64);
  const memoryMiB = positiveInt(
    "resources.memoryMiB",
    options.resources?.memoryMiB ?? 256,
    64,
    65536,
  );
  const hostname = options.hostname ?? `airlock-${randomBytes(3).toString("hex")}`;
  if (!HOSTNAME.test(hostname))
    throw new VmOptionsError("hostname", "use letters, digits and '-', at most 63");
  const extraKernelArgs = options.extraKernelArgs ?? [];
  if (extraKernelArgs.some((a) => /\s/.test(a) || a === "")) {
    throw new VmOptionsError(
      "extraKernelArgs",
      "give one non-empty word per entry, without spaces",
    );
  }
  const mounts = validateMounts(options.mounts);
  const plan = options.network === undefined ? undefined : new EgressPlan(options.network);
  const image = resolveImage(options.image);
  const direct = mounts.filter(([, fs]) => directExportOf(fs) !== undefined);
  if (direct.length > 0 && !image.features.includes("virtio-9p")) {
    // An older init ignores airlock.vmount=: the guest would run without the mount.
    throw new VmImageOutdatedError(
      image.dir,
      `its init cannot mount directHostDir grants (${direct.map(([p]) => p).join(", ")})`,
    );
  }
  const network = plan && { plan, forwarder: forwarderPath(image.dir) };
  if (!onPath(QEMU_BINARY)) throw new VmQemuMissingError(QEMU_BINARY);
  const accel = await resolveAccel(options.accel, options.image);
  const bootTimeoutMs = positiveInt(
    "bootTimeoutMs",
    options.bootTimeoutMs ?? (accel === "kvm" ? 10_000 : 30_000),
    1,
    600_000,
  );
  return {
    image,
    accel,
    cpus,
    memoryMiB,
    writableRoot: options.writableRoot ?? false,
    hostname,
    extraKernelArgs,
    bootTimeoutMs,
    mounts,
    network,
  };
}

/** @internal What snapshots add to a launch. */
export interface LaunchExtras {
  memoryFile?: { path: string; share: boolean };
  /** Open a QMP socket and return the client with the VM. */
  qmp?: boolean;
  /** Start paused and run this (migrate-incoming + cont) before the hello. */
  restore?: (qmp: Qmp) => Promise<void>;
}

/** @internal Starts QEMU, waits for the guest's hello; on failure kills QEMU and cleans up. */
export async function launch(
  config: LaunchConfig,
  extras: LaunchExtras,
): Promise<{ vm: MicroVm; qmp?: Qmp }> {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "airlock-vm-"));
  const controlSocket = join(dir, "ctl.sock");
  const qmpSocket = extras.qmp || extras.restore ? join(dir, "qmp.sock") : undefined;
  const server = createServer();
  const cleanupDir = () => rm(dir, { recursive: true, force: true });
  const mounts = new VmMounts(new Map(config.mounts));
  const ports = mountPorts(config.mounts, dir);
  const network = config.network && new VmNetwork(config.network.plan);
  const egressSocket = join(dir, "egress.sock");
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(controlSocket, resolve);
    });
    await mounts.listen(ports);
    await network?.listen(egressSocket);
  } catch (e) {
    server.close();
    mounts.close();
    network?.close();
    await cleanupDir();
    throw e;
  }

  const qemu = launchQemu(
    qemuArgs({
      ...config,
      controlSocket,
      ...(extras.memoryFile ? { memoryFile: extras.memoryFile } : {}),
      ...(qmpSocket ? { qmpSocket } : {}),
      incoming: extras.restore !== undefined,
      mounts: ports,
      ...(config.network
        ? {
            guestForwards: config.network.plan.guestForwards(
              config.network.forwarder,
              egressSocket,
            ),
          }
        : {}),
    }),
  );
  const consoleTail = new TailBuffer();
  qemu.stdout?.on("data", (c: Buffer) => consoleTail.push(c));
  qemu.stderr?.on("data", (c: Buffer) => consoleTail.push(c));
  const exited = new Promise<string>((resolve) => {
    qemu.once("exit", (code, signal) =>
      resolve(signal ? `QEMU killed by ${signal}` : `QEMU exited with code ${code}`),
    );
    qemu.once("error", (e) => resolve(`QEMU could not start: ${e.message}`));
  });

  const { bootTimeoutMs } = config;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new VmBootTimeoutError(bootTimeoutMs, consoleTail.toString())),
      bootTimeoutMs,
    );
  });
  const diedEarly = exited.then((why): never => {
    throw new VmBootError(why, consoleTail.toString());
  });
  diedEarly.catch(() => {});
  timedOut.catch(() => {});

  let channel: ControlChannel | undefined;
  let qmp: Qmp | undefined;
  try {
    const socket = await Promise.race([
      new Promise<Socket>((resolve) => server.once("connection", resolve)),
      diedEarly,
      timedOut,
    ]);
    server.close();
    let lost: Error | undefined;
    channel = new ControlChannel(
      socket,
      (reason) => (lost = reason),
      () => new VmExitedError("control channel closed"),
    );
    if (qmpSocket) {
      qmp = await Promise.race([Qmp.connect(qmpSocket, bootTimeoutMs), diedEarly, timedOut]);
      if (extras.restore) await Promise.race([extras.restore(qmp), diedEarly, timedOut]);
    }
    const hello = channel.hello().catch(async (e: Error) => {
      // The channel closing during boot means QEMU is going away: report that as a boot failure,
      // with the console, once it has exited.
      if (lost) await Promise.race([diedEarly, timedOut]);
      throw new VmProtocolError(e.message);
    });
    await Promise.race([hello, diedEarly, timedOut]);
  } catch (e) {
    clearTimeout(timer);
    qmp?.close();
    channel?.close(new VmDisposedError());
    await killAndWait(qemu, exited);
    server.close();
    mounts.close();
    network?.close();
    await cleanupDir();
    throw e;
  }
  clearTimeout(timer);
  if (!extras.qmp) {
    qmp?.close();
    qmp = undefined;
  }
  const vm = new MicroVm(
    qemu,
    exited,
    channel,
    dir,
    config.image,
    config.accel,
    Math.round(performance.now() - started),
    consoleTail,
    server,
    mounts,
    network,
  );
  return qmp ? { vm, qmp } : { vm };
}

async function killAndWait(qemu: ChildProcess, exited: Promise<string>): Promise<void> {
  if (qemu.exitCode === null && qemu.signalCode === null && qemu.pid !== undefined)
    qemu.kill("SIGKILL");
  await exited;
}

/** A running microVM. Close it (or `await using` it): close kills QEMU and removes its temp files. */
export class MicroVm {
  private closing: Promise<void> | undefined;
  private lostReason: Error | undefined;

  /** @internal Use {@link createMicroVm}. */
  constructor(
    private readonly qemu: ChildProcess,
    private readonly qemuExited: Promise<string>,
    private readonly channel: ControlChannel,
    private readonly dir: string,
    /** The image booted. */
    readonly image: VmImage,
    /** The accelerator in use. */
    readonly accel: Accel,
    /** Milliseconds from launching QEMU to the guest init's hello (boot, or restore). */
    readonly bootMs: number,
    private readonly consoleTail: TailBuffer,
    private readonly server: Server,
    /** The VM's mounts, host side: `vm.mounts.host("/workspace")` gives the vfs agent tools. */
    readonly mounts: VmMounts,
    /** The egress data plane (undefined without a `network` option): `events`, `addressOf(ip)`. */
    readonly network: VmNetwork | undefined,
  ) {
    void qemuExited.then((why) => {
      this.lostReason ??= new VmExitedError(
        `${why}; console tail: ${consoleTail.toString().slice(-500)}`,
      );
      channel.close(this.lostReason);
    });
  }

  /** QEMU's process id (for diagnostics). */
  get pid(): number | undefined {
    return this.qemu.pid;
  }

  /** False once closed or once QEMU has gone away. */
  get alive(): boolean {
    return this.closing === undefined && this.lostReason === undefined;
  }

  /** The last few KB of the serial console (kernel and init messages). */
  get console(): string {
    return this.consoleTail.toString();
  }

  /** Starts a command with streaming stdio. Throws `AIRLOCK_DISPOSED` after close(). */
  spawn(options: SpawnOptions): VmProcess {
    this.checkUsable();
    if (this.network) {
      // With egress, TLS clients trust the sandbox CA (interception) unless told otherwise.
      const env = { ...(options.env ?? {}) };
      for (const k of CA_ENV) env[k] ??= GUEST_CA_FILE;
      return spawnOnChannel(this.channel, { ...options, env });
    }
    return spawnOnChannel(this.channel, options);
  }

  /** HTTP(S) interception hooks (needs a `network` option): `vm.http.onRequest({ origin }, hook)`. */
  get http(): HttpInterceptor {
    if (!this.network)
      throw new VmOptionsError("network", "vm.http needs createMicroVm({ network })");
    return this.network.http;
  }

  /** Runs a command to completion and collects its output. */
  async exec(options: ExecOptions): Promise<ExecResult> {
    const { stdin, ...rest } = options;
    const proc = this.spawn({ ...rest, stdin: stdin === undefined ? "ignore" : "pipe" });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    proc.stdout.on("data", (c: Buffer) => out.push(c));
    proc.stderr.on("data", (c: Buffer) => err.push(c));
    const ended = Promise.all([
      new Promise((r) => proc.stdout.once("end", r)),
      new Promise((r) => proc.stderr.once("end", r)),
    ]);
    if (stdin !== undefined)
      proc.stdin?.end(typeof stdin === "string" ? Buffer.from(stdin) : stdin);
    const status = await proc.exited;
    await ended;
    return {
      ...status,
      stdout: Buffer.concat(out).toString("utf8"),
      stderr: Buffer.concat(err).toString("utf8"),
    };
  }

  /** Kills QEMU (no guest shutdown: nothing in the VM outlives it) and removes its temp dir. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.channel.close(new VmDisposedError());
      await killAndWait(this.qemu, this.qemuExited);
      this.server.close();
      this.mounts.close();
      this.network?.close();
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private checkUsable(): void {
    if (this.closing) throw new VmDisposedError();
    if (this.lostReason) throw this.lostReason;
  }
}
