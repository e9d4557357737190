import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { createTools, createVfs, type FileSystem, type Tools, type Vfs } from "@airlock/vfs";
import { directExportOf } from "./direct-dir.js";
import { VmDisposedError, VmOptionsError } from "./errors.js";
import { serveNineP } from "./ninep/connection.js";
import type { NinePSession, NinePStats } from "./ninep/server.js";

/** Guest mount point → filesystem (`hostDir`, `memoryFs`, `virtualFs`, … from `@airlock/vfs`). */
export type MountMap = Readonly<Record<string, FileSystem>>;

/** One mount as QEMU and the kernel command line see it. */
export type MountPort = SerialMount | VirtioMount;

/** Served by the host's 9P server over a virtio-serial port (any `@airlock/vfs` filesystem). */
export interface SerialMount {
  transport: "serial";
  guestPath: string;
  /** virtio-serial port name (`airlock.9p.N`). */
  port: string;
  /** Unix socket the host listens on; QEMU connects to it. */
  socket: string;
}

/** Served by QEMU's virtio-9p device, read-only (a `directHostDir` grant). */
export interface VirtioMount {
  transport: "virtio";
  guestPath: string;
  /** virtio-9p mount tag (`airlock.fs.N`). */
  tag: string;
  /** Real host path QEMU exports. */
  hostPath: string;
  /** Mounted without `noexec`. */
  execute: boolean;
}

const COMPONENT = /^[A-Za-z0-9._-]+$/;
const RESERVED = ["/proc", "/sys", "/dev"];
export const MAX_MOUNTS = 16;

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

/** Checks the `mounts` option; returns the entries in a stable order. */
export function validateMounts(mounts: MountMap | undefined): [string, FileSystem][] {
  if (mounts === undefined) return [];
  if (typeof mounts !== "object" || mounts === null) {
    throw new VmOptionsError("mounts", 'give { "/guest/path": hostDir(…) | memoryFs() | … }');
  }
  const entries = Object.entries(mounts);
  if (entries.length > MAX_MOUNTS)
    throw new VmOptionsError("mounts", `at most ${MAX_MOUNTS} mounts`);
  for (const [path, fs] of entries) {
    const parts = path.split("/").slice(1);
    if (
      !path.startsWith("/") ||
      path.length > 255 ||
      parts.some((p) => !COMPONENT.test(p) || p === "." || p === "..")
    ) {
      throw new VmOptionsError(
        "mounts",
        `${JSON.stringify(path)}: use an absolute guest path of letters, digits, '.', '_', '-' (no '.'/'..' parts)`,
      );
    }
    if (RESERVED.some((r) => under(path, r))) {
      throw new VmOptionsError(
        "mounts",
        `${path}: /proc, /sys and /dev belong to the guest kernel`,
      );
    }
    if (typeof fs !== "object" || fs === null || typeof (fs as FileSystem).open !== "function") {
      throw new VmOptionsError("mounts", `${path}: pass a filesystem from @airlock/vfs`);
    }
  }
  // Parents before children, so the guest mounts /a before /a/b.
  return entries.sort(([a], [b]) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1));
}

/** Ports (or virtio-9p exports) and kernel arguments for the validated mounts. */
export function mountPorts(entries: [string, FileSystem][], dir: string): MountPort[] {
  return entries.map(([guestPath, fs], i): MountPort => {
    const direct = directExportOf(fs);
    return direct
      ? {
          transport: "virtio",
          guestPath,
          tag: `airlock.fs.${i}`,
          hostPath: direct.hostPath,
          execute: direct.execute,
        }
      : {
          transport: "serial",
          guestPath,
          port: `airlock.9p.${i}`,
          socket: join(dir, `9p-${i}.sock`),
        };
  });
}

/** The host side of a VM's mounts: one 9P server per mount, and tool access without the guest. */
export class VmMounts {
  private readonly servers: Server[] = [];
  private readonly sessions = new Map<string, NinePSession>();
  private readonly vfses: Vfs[] = [];
  private closed = false;

  /** @internal */
  constructor(private readonly entries: ReadonlyMap<string, FileSystem>) {}

  /** @internal Listens on each served mount's socket; QEMU connects once at start. */
  async listen(ports: readonly MountPort[]): Promise<void> {
    for (const p of ports) {
      // QEMU serves virtio-9p exports itself.
      if (p.transport !== "serial") continue;
      const fs = this.entries.get(p.guestPath)!;
      const server = createServer((socket) => {
        server.close();
        this.sessions.set(p.guestPath, serveNineP(socket, fs));
      });
      this.servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(p.socket, resolve);
      });
    }
  }

  /** Guest mount points, in mount order. */
  get paths(): string[] {
    return [...this.entries.keys()];
  }

  /** @internal Mount points the host's 9P server serves (not the `directHostDir` ones). */
  get served(): string[] {
    return this.paths.filter((p) => directExportOf(this.entries.get(p)!) === undefined);
  }

  /**
   * The `@airlock/vfs` agent tools (read/write/patch/list/stat/grep) over a mount's filesystem,
   * on the host, without going through the guest. Paths are guest paths (`/workspace/a.txt`)
   * or relative to the mount point.
   */
  host(guestPath: string): Tools {
    if (this.closed) throw new VmDisposedError();
    const fs = this.entries.get(guestPath);
    if (!fs) {
      throw new VmOptionsError(
        "mounts",
        `${guestPath} is not mounted (mounted: ${this.paths.join(", ") || "none"})`,
      );
    }
    const vfs = createVfs({ mounts: { [guestPath]: fs }, cwd: guestPath });
    this.vfses.push(vfs);
    return createTools(vfs);
  }

  /**
   * Request and byte counters of a mount's 9P session (undefined before the guest connects, and
   * for `directHostDir` mounts, which QEMU serves).
   */
  stats(guestPath: string): NinePStats | undefined {
    return this.sessions.get(guestPath)?.stats;
  }

  /** @internal */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.servers) s.close();
    for (const s of this.sessions.values()) s.close();
    for (const v of this.vfses) v.dispose();
  }
}
