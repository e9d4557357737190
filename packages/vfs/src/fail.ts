import { VfsError, type Errno } from "./errors.js";

/** Shorthand used by the filesystems. */
export function vfsError(
  errno: Errno,
  syscall: string,
  path: string,
  detail?: string,
  dest?: string,
): VfsError {
  return new VfsError(errno, syscall, path, { detail, dest });
}
