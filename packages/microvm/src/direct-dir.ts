import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { hostDir, type FileSystem, type HostDir } from "@airlock/vfs";
import { VmOptionsError } from "./errors.js";

/** Options of {@link directHostDir}. */
export interface DirectHostDirOptions {
  /**
   * Let the guest execute files of the share (default `false`: mounted `noexec`, so `./tool`
   * fails with `EACCES`; `sh script.sh` still reads the script, as with any readable file).
   */
  readonly execute?: boolean;
}

/** What QEMU is told to export for a {@link directHostDir} grant. */
export interface DirectExport {
  /** Real path of the directory, resolved once when the grant was made. */
  readonly hostPath: string;
  readonly execute: boolean;
}

// The grant is a real `HostDir` (so `vm.mounts.host()` and every vfs consumer work on it); the
// host path QEMU needs is remembered beside it rather than read out of the vfs's private state.
const directExports = new WeakMap<FileSystem, DirectExport>();

/**
 * A read-only host directory the guest reads through QEMU's own virtio-9p device instead of the
 * host's TypeScript 9P server: QEMU reads files straight into guest memory, which is several
 * times faster for large sequential reads (see the package README, "Mounts"). Pass it in
 * `createMicroVm({ mounts })` like any `@airlock/vfs` filesystem; on the host it behaves as
 * `hostDir(hostPath, { read: true, execute })`.
 *
 * Read-only by construction: QEMU exports it with `readonly=on` and the guest mounts it read-only,
 * so writes fail with `EROFS` (a read-only `hostDir` served by the TypeScript server says
 * `EACCES`). QEMU resolves every path component with `O_NOFOLLOW`, so host links are never
 * followed on the host; the guest reads a link's target and resolves it in its own namespace.
 * Differences from `hostDir` are listed in the README.
 *
 * @example
 * await using vm = await createMicroVm({ mounts: { "/src": directHostDir("./project") } });
 */
export function directHostDir(hostPath: string, options: DirectHostDirOptions = {}): HostDir {
  if (typeof hostPath !== "string" || hostPath === "" || hostPath.includes("\0")) {
    throw new VmOptionsError(
      "mounts",
      "directHostDir: give a non-empty host path without NUL bytes",
    );
  }
  let real: string;
  try {
    real = realpathSync(resolve(hostPath));
  } catch (cause) {
    throw new VmOptionsError("mounts", `directHostDir: ${hostPath} does not exist`, { cause });
  }
  const execute = options.execute === true;
  // hostDir checks the rest (a directory, not /proc or /sys) and resolves the path again; both
  // resolve to `real` unless a link on the way changed in between, which is refused.
  const fs = hostDir(real, { read: true, execute });
  if (realpathSync(real) !== real) {
    throw new VmOptionsError("mounts", `directHostDir: ${hostPath} changed while being granted`);
  }
  directExports.set(fs, { hostPath: real, execute });
  return fs;
}

/** @internal The QEMU export of a filesystem made by {@link directHostDir}, if it is one. */
export function directExportOf(fs: FileSystem): DirectExport | undefined {
  return directExports.get(fs);
}
