import type { DirGrant } from "@airlock/config";
import { VfsConfigError } from "./errors.js";
import { hostDir } from "./host-dir.js";
import { memoryFs, type MemoryFsOptions } from "./memory-fs.js";
import { resolveSandboxPath } from "./path.js";
import type { FileSystem, Vfs } from "./types.js";
import { createVfs } from "./vfs.js";

export interface VfsFromDirsOptions {
  /** Quotas of the `/tmp` memoryFs, or `false` for none. A grant of `/tmp` itself replaces it. */
  readonly tmp?: MemoryFsOptions | false;
  /** Default: the first granted directory, else `/tmp` (else `/`). */
  readonly cwd?: string;
  readonly maxOpenFiles?: number;
}

/**
 * The sandbox filesystem of an Airlock config: each granted directory mounted at its own
 * absolute path through `hostDir` with the grant's permissions, plus a scratch `memoryFs` at
 * `/tmp`. Directories under `/tmp` are mounted inside it.
 */
export function vfsFromDirs(dirs: readonly DirGrant[], options: VfsFromDirsOptions = {}): Vfs {
  const mounts: Record<string, FileSystem> = {};
  for (const grant of dirs) {
    let point: string;
    try {
      point = resolveSandboxPath(grant.path);
    } catch (error) {
      throw new VfsConfigError(`vfsFromDirs: ${JSON.stringify(grant.path)} is not a usable path`, {
        cause: error,
      });
    }
    if (!grant.path.startsWith("/")) {
      throw new VfsConfigError(
        `vfsFromDirs: ${grant.path} must be absolute (config resolves dirs[].path)`,
      );
    }
    if (Object.hasOwn(mounts, point)) {
      throw new VfsConfigError(
        `vfsFromDirs: ${point} is granted twice; merge the two entries of dirs`,
      );
    }
    mounts[point] = hostDir(grant.path, {
      read: grant.read,
      write: grant.write,
      execute: grant.execute,
    });
  }
  if (options.tmp !== false && !Object.hasOwn(mounts, "/tmp"))
    mounts["/tmp"] = memoryFs(options.tmp ?? {});
  const first = dirs[0] === undefined ? undefined : resolveSandboxPath(dirs[0].path);
  const cwd = options.cwd ?? first ?? (Object.hasOwn(mounts, "/tmp") ? "/tmp" : "/");
  return createVfs({ mounts, cwd, maxOpenFiles: options.maxOpenFiles });
}
