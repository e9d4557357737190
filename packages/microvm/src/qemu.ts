import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { VmImage } from "./artifacts.js";
import type { MountPort } from "./mounts.js";

export type Accel = "kvm" | "tcg";

export const QEMU_BINARY = "qemu-system-x86_64";
/** virtio-serial port name the guest init looks for (`airlock.ctl=` on the kernel command line). */
export const CONTROL_PORT = "airlock.ctl";

export interface QemuSpec {
  image: VmImage;
  accel: Accel;
  cpus: number;
  memoryMiB: number;
  writableRoot: boolean;
  hostname: string;
  /** Unix socket the host listens on; QEMU connects to it as the control channel. */
  controlSocket: string;
  extraKernelArgs: readonly string[];
  /** Guest RAM in a file (snapshots): shared when saving a template, private copy-on-write when restoring. */
  memoryFile?: { path: string; share: boolean };
  /** QMP control socket (QEMU listens). */
  qmpSocket?: string;
  /** Start paused, waiting for `migrate-incoming` (restore). */
  incoming?: boolean;
  /** 9P mounts: a virtio-serial port or a virtio-9p export each, named on the kernel command line. */
  mounts?: readonly MountPort[];
  /** Egress: user networking with `restrict=on`, reachable only through these `guestfwd` entries. */
  guestForwards?: readonly string[];
}

let tscKhz: number | undefined;

/**
 * The host's TSC rate in kHz. Under TCG the guest's TSC ticks at the host's rate, so telling the
 * guest a different `tsc_early_khz` makes its clock (and every timeout inside it) run fast or
 * slow: 2 GHz on a 2.6 GHz host made `sleep 1` last 0.77 s. Falls back to 2 GHz when unknown.
 */
export function hostTscKhz(): number {
  if (tscKhz === undefined) {
    tscKhz = 2_000_000;
    try {
      const mhz = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1];
      if (mhz !== undefined && Number(mhz) > 100) tscKhz = Math.round(Number(mhz) * 1000);
    } catch {
      // keep the fallback
    }
  }
  return tscKhz;
}

/** The kernel command line; later words win, so `extraKernelArgs` can override. */
export function kernelCommandLine(spec: QemuSpec): string {
  return [
    "console=ttyS0",
    "quiet",
    // A restart request (the init's shutdown, a panic) ends QEMU at once under -no-reboot.
    "reboot=t",
    "panic=-1",
    // microvm has no PCI bus; skip probing for one.
    "pci=off",
    // Under TCG ~30% of microvm boots hang calibrating the TSC without this (FACTS.md).
    ...(spec.accel === "tcg" ? [`tsc_early_khz=${hostTscKhz()}`] : []),
    `airlock.hostname=${spec.hostname}`,
    `airlock.ctl=${CONTROL_PORT}`,
    ...(spec.writableRoot ? ["airlock.overlay=1"] : []),
    ...(spec.mounts ?? []).map((m) =>
      m.transport === "serial"
        ? `airlock.mount=${m.guestPath}@${m.port}`
        : `airlock.vmount=${m.guestPath}@${m.tag}${m.execute ? ":exec" : ""}`,
    ),
    ...(spec.guestForwards ? ["airlock.net=1"] : []),
    ...spec.extraKernelArgs,
  ].join(" ");
}

/** Full QEMU argument list: no default devices, no network, root image read-only. */
export function qemuArgs(spec: QemuSpec): string[] {
  const mem = spec.memoryFile;
  return [
    "-M",
    mem ? "microvm,memory-backend=mem" : "microvm",
    ...(mem
      ? [
          "-object",
          `memory-backend-file,id=mem,size=${spec.memoryMiB}M,mem-path=${mem.path},share=${mem.share ? "on" : "off"}`,
        ]
      : []),
    ...(spec.qmpSocket ? ["-qmp", `unix:${spec.qmpSocket},server=on,wait=off`] : []),
    ...(spec.incoming ? ["-incoming", "defer"] : []),
    ...(spec.accel === "kvm"
      ? ["-accel", "kvm", "-cpu", "host"]
      : ["-accel", "tcg", "-cpu", "max"]),
    "-smp",
    String(spec.cpus),
    "-m",
    String(spec.memoryMiB),
    "-nodefaults",
    "-no-user-config",
    "-nographic",
    "-no-reboot",
    "-serial",
    "stdio",
    "-kernel",
    spec.image.kernel,
    "-initrd",
    spec.image.initrd,
    "-append",
    kernelCommandLine(spec),
    "-drive",
    `id=root,file=${spec.image.rootfs},format=raw,if=none,readonly=on`,
    "-device",
    "virtio-blk-device,drive=root",
    "-device",
    "virtio-serial-device",
    "-chardev",
    `socket,id=ctl,path=${spec.controlSocket}`,
    "-device",
    `virtserialport,chardev=ctl,name=${CONTROL_PORT}`,
    ...(spec.mounts ?? []).flatMap((m, i) =>
      m.transport === "serial"
        ? [
            "-chardev",
            `socket,id=p9_${i},path=${m.socket}`,
            "-device",
            `virtserialport,chardev=p9_${i},name=${m.port}`,
          ]
        : [
            // security_model=none: no uid/mode mapping (the export is read-only, so the guest
            // cannot chmod, chown or create anything); multidevs=remap keeps inode numbers of
            // submounts distinct instead of warning.
            "-fsdev",
            `local,id=fs_${i},path=${m.hostPath.replaceAll(",", ",,")},security_model=none,readonly=on,multidevs=remap`,
            "-device",
            `virtio-9p-device,fsdev=fs_${i},mount_tag=${m.tag}`,
          ],
    ),
    ...(spec.guestForwards
      ? [
          "-netdev",
          [
            // slirp's own resolver moves aside (and is unreachable under restrict=on): 10.0.2.3 is the
            // host responder's forward.
            "user,id=egress,restrict=on,ipv6=off,net=10.0.2.0/24,host=10.0.2.2,dns=10.0.2.99",
            ...spec.guestForwards.map((f) => `guestfwd=${f.replaceAll(",", ",,")}`),
          ].join(","),
          "-device",
          "virtio-net-device,netdev=egress",
        ]
      : []),
  ];
}

const SETPRIV = "/usr/bin/setpriv";

/**
 * Starts QEMU. Under `setpriv --pdeathsig KILL` when available, so QEMU dies with the thread
 * that started it even if this process is killed without running close().
 */
export function launchQemu(args: readonly string[]): ChildProcess {
  const [cmd, argv] = existsSync(SETPRIV)
    ? [SETPRIV, ["--pdeathsig", "KILL", "--", QEMU_BINARY, ...args]]
    : [QEMU_BINARY, [...args]];
  return spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
}

/** Keeps the last `limit` bytes of a stream (the serial console), for error messages. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit = 16 * 1024) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit) {
      this.size -= this.chunks.shift()!.length;
    }
  }
  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString("utf8");
  }
}
