export { createVfs, VFS_DEFAULTS } from "./vfs.js";
export { vfsFromDirs } from "./from-dirs.js";
export { hostDir } from "./host-dir.js";
export { memoryFs, MEMORY_FS_DEFAULTS } from "./memory-fs.js";
export { overlayFs } from "./overlay-fs.js";
export { virtualFs } from "./virtual-fs.js";
export { readOnly } from "./read-only.js";
export { createTools, TOOL_DEFAULTS } from "./tools.js";
export { resolveSandboxPath, PATH_MAX, NAME_MAX } from "./path.js";
export { VfsError, VfsConfigError, VfsDisposedError, ToolError, ERRNOS } from "./errors.js";
export * as errors from "./errors.js";

export type { Errno, VfsErrorData, ToolErrorReason } from "./errors.js";
export type {
  DirEntry,
  FileHandle,
  FileSystem,
  FileSystemKind,
  FileType,
  HostDirPerms,
  MkdirOptions,
  OpenFlags,
  PathOps,
  RmOptions,
  Stats,
  Vfs,
  WriteFileOptions,
} from "./types.js";
export type { VfsOptions } from "./vfs.js";
export type { VfsFromDirsOptions } from "./from-dirs.js";
export type { HostDir, HostDirOptions } from "./host-dir.js";
export type { MemoryFs, MemoryFsOptions } from "./memory-fs.js";
export type { OverlayFs, OverlayFsOptions } from "./overlay-fs.js";
export type { VirtualFs, VirtualFsCallbacks, VirtualStat } from "./virtual-fs.js";
export type { ReadOnlyFs } from "./read-only.js";
export type {
  GrepArgs,
  GrepMatch,
  GrepResult,
  ListArgs,
  ListEntry,
  ListResult,
  PatchArgs,
  PatchEdit,
  PatchResult,
  ReadArgs,
  ReadResult,
  StatArgs,
  StatResult,
  ToolOptions,
  Tools,
  WriteArgs,
  WriteResult,
} from "./tools.js";
