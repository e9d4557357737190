import { AirlockError } from "@airlock/config/errors";

/**
 * The Node-style error names a guest can see. `EIO` stands for a failure the guest should not
 * learn more about (a host error, a `virtualFs` callback that threw); `EBUSY` for removing or
 * renaming a mount point; `ENAMETOOLONG` for paths beyond {@link PATH_MAX} / {@link NAME_MAX}.
 */
export type Errno =
  | "ENOENT"
  | "EACCES"
  | "EEXIST"
  | "ENOTDIR"
  | "EISDIR"
  | "ENOTEMPTY"
  | "EINVAL"
  | "ELOOP"
  | "EMFILE"
  | "ENOSPC"
  | "EXDEV"
  | "EBADF"
  | "EROFS"
  | "EIO"
  | "EBUSY"
  | "ENAMETOOLONG";

const DESCRIPTIONS: Record<Errno, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EEXIST: "file already exists",
  ENOTDIR: "not a directory",
  EISDIR: "illegal operation on a directory",
  ENOTEMPTY: "directory not empty",
  EINVAL: "invalid argument",
  ELOOP: "too many symbolic links encountered",
  EMFILE: "too many open files",
  ENOSPC: "no space left on device",
  EXDEV: "cross-device link not permitted",
  EBADF: "bad file descriptor",
  EROFS: "read-only file system",
  EIO: "i/o error",
  EBUSY: "resource busy or locked",
  ENAMETOOLONG: "name too long",
};

/** Every errno a {@link VfsError} can carry, for validation and docs. */
export const ERRNOS: readonly Errno[] = Object.freeze(Object.keys(DESCRIPTIONS) as Errno[]);

/** The guest-safe fields of a {@link VfsError}: what a sandbox bridge may pass to the guest. */
export interface VfsErrorData {
  readonly errno: Errno;
  readonly syscall: string;
  readonly path: string;
  readonly dest?: string;
  readonly message: string;
}

/**
 * A filesystem operation failed the way a guest should see it. `errno` is the Node-style name
 * (`ENOENT`, `EACCES`, …), `syscall` the operation, `path` (and `dest` for `rename`/`symlink`)
 * the *sandbox* path as the caller wrote it, resolved. The message is built only from those and
 * from fixed text, so it never contains a host path; a host-side `cause` (non-enumerable) may.
 */
export class VfsError extends AirlockError {
  readonly errno: Errno;
  readonly syscall: string;
  readonly path: string;
  readonly dest: string | undefined;
  /** Fixed, guest-safe explanation (for example "symbolic link points outside the mount"). */
  readonly detail: string | undefined;

  constructor(
    errno: Errno,
    syscall: string,
    path: string,
    extra: { dest?: string | undefined; detail?: string | undefined } = {},
    options?: ErrorOptions,
  ) {
    const dest = extra.dest === undefined ? "" : ` -> ${quote(extra.dest)}`;
    const detail = extra.detail === undefined ? "" : ` (${extra.detail})`;
    super(
      "AIRLOCK_VFS",
      `${errno}: ${DESCRIPTIONS[errno]}, ${syscall} ${quote(path)}${dest}${detail}`,
      options,
    );
    this.errno = errno;
    this.syscall = syscall;
    this.path = path;
    this.dest = extra.dest;
    this.detail = extra.detail;
  }

  /** The same failure reported against other paths (a mount translating its paths back). */
  withPaths(path: string, dest?: string, syscall = this.syscall): VfsError {
    return new VfsError(this.errno, syscall, path, { dest, detail: this.detail }, { cause: this });
  }

  /** Guest-safe plain data; also what `JSON.stringify` produces (no stack, no cause). */
  toJSON(): VfsErrorData {
    const data: VfsErrorData = {
      errno: this.errno,
      syscall: this.syscall,
      path: this.path,
      message: this.message,
    };
    return this.dest === undefined ? data : { ...data, dest: this.dest };
  }
}

/** A factory got an unusable argument (a host directory that does not exist, a bad mount point). */
export class VfsConfigError extends AirlockError {
  constructor(message: string, options?: ErrorOptions) {
    super("AIRLOCK_VFS_CONFIG", message, options);
  }
}

/** A `Vfs` was used after `close()`. */
export class VfsDisposedError extends AirlockError {
  constructor() {
    super("AIRLOCK_DISPOSED", "this Vfs was closed; create a new one with createVfs()");
  }
}

/** Why an agent tool call was refused; `reason` is stable, the message says what to change. */
export type ToolErrorReason =
  | "INVALID_PATTERN"
  | "NO_MATCH"
  | "MULTIPLE_MATCHES"
  | "EMPTY_OLD_TEXT"
  | "NOT_TEXT"
  | "INVALID_ARGUMENT";

/** An agent tool call was malformed or could not apply (see `reason`); filesystem failures stay `VfsError`. */
export class ToolError extends AirlockError {
  constructor(
    readonly tool: string,
    readonly reason: ToolErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super("AIRLOCK_VFS_TOOL", `${tool}: ${message}`, options);
  }
}

function quote(path: string): string {
  // JSON quoting shows NUL and other control characters visibly instead of embedding them.
  const json = JSON.stringify(path);
  return `'${json.slice(1, -1)}'`;
}
