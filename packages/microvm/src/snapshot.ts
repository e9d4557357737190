import { VmOptionsError } from "./errors.js";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VmDisposedError } from "./errors.js";
import type { Qmp } from "./qmp.js";
import {
  launch,
  prepareLaunch,
  type LaunchConfig,
  type MicroVm,
  type MicroVmOptions,
} from "./vm.js";

/** Where guest RAM files go: tmpfs, so restores map them without disk I/O. */
const SHM = "/dev/shm";

const IGNORE_SHARED = { capabilities: [{ capability: "x-ignore-shared", state: true }] };

/** Options for a snapshot: those of {@link createMicroVm} that shape the booted guest. */
export type SnapshotOptions = Omit<
  MicroVmOptions,
  "hostname" | "extraKernelArgs" | "mounts" | "network"
> & {
  /** Hostname of every VM restored from this snapshot; default `airlock`. */
  hostname?: string;
};

/**
 * Boots one VM, waits until its init is ready, and saves it: guest RAM in a file under /dev/shm
 * plus a small device-state file. Each {@link VmSnapshot.restore} then starts a VM from there in
 * a fraction of a boot; restored VMs map the RAM copy-on-write, so they never see each other's
 * writes, and each one resets its clock and reseeds its RNG on connect.
 */
export async function createVmSnapshot(options: SnapshotOptions = {}): Promise<VmSnapshot> {
  for (const field of ["mounts", "network"] as const) {
    if (field in options) {
      throw new VmOptionsError(field, `snapshots cannot carry ${field} yet: use createMicroVm`);
    }
  }
  const config = await prepareLaunch({ ...options, hostname: options.hostname ?? "airlock" });
  const dir = await mkdtemp(join(tmpdir(), "airlock-snap-"));
  const ramFile = join(SHM, `airlock-snap-${randomBytes(6).toString("hex")}.ram`);
  const stateFile = join(dir, "state.bin");
  const removeFiles = () =>
    Promise.all([rm(dir, { recursive: true, force: true }), rm(ramFile, { force: true })]);
  try {
    const { vm, qmp } = await launch(config, {
      memoryFile: { path: ramFile, share: true },
      qmp: true,
    });
    try {
      await save(qmp!, stateFile, config.bootTimeoutMs);
    } finally {
      qmp!.close();
      await vm.close();
    }
    await stat(stateFile);
  } catch (e) {
    await removeFiles();
    throw e;
  }
  return new VmSnapshot(config, ramFile, stateFile, removeFiles);
}

async function save(qmp: Qmp, stateFile: string, timeoutMs: number): Promise<void> {
  await qmp.execute("stop");
  // RAM stays in the shared file; only device state goes to the stream (~60 KB).
  await qmp.execute("migrate-set-capabilities", IGNORE_SHARED);
  await qmp.execute("migrate", { uri: `exec:cat > '${stateFile}'` });
  await qmp.waitForMigration(timeoutMs);
}

/** A saved, ready-to-exec guest. close() deletes its files; running restored VMs keep working. */
export class VmSnapshot {
  private closed = false;

  /** @internal Use {@link createVmSnapshot}. */
  constructor(
    private readonly config: LaunchConfig,
    private readonly ramFile: string,
    private readonly stateFile: string,
    private readonly removeFiles: () => Promise<unknown>,
  ) {}

  /** Starts a VM from the snapshot; it behaves like one from createMicroVm. */
  async restore(): Promise<MicroVm> {
    if (this.closed) throw new VmDisposedError();
    const { vm } = await launch(this.config, {
      // share=off: a private copy-on-write mapping, so the file stays the pristine snapshot.
      memoryFile: { path: this.ramFile, share: false },
      restore: async (qmp) => {
        await qmp.execute("migrate-set-capabilities", IGNORE_SHARED);
        await qmp.execute("migrate-incoming", { uri: `exec:cat '${this.stateFile}'` });
        await qmp.waitForMigration(this.config.bootTimeoutMs);
        await qmp.execute("cont");
      },
    });
    return vm;
  }

  /** Deletes the RAM and state files. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.removeFiles();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
