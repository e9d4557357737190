/**
 * Where the daemon keeps its control socket and log: `$AIRLOCK_STATE_DIR`, else
 * `$XDG_RUNTIME_DIR/airlock`, else `~/.airlock`. The directory is the owner's alone (0700) and
 * the socket 0600; anything owned by another user, or open to others, is refused rather than
 * trusted: whoever controls the socket runs code as us.
 */
import { chmodSync, lstatSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UnsafeStatePathError } from "./errors.js";

/** File names inside the state directory. */
export const SOCKET_NAME = "daemon.sock";
export const LOG_NAME = "daemon.log";
export const PID_NAME = "daemon.pid";

/** The state directory for `env` (not created). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env["AIRLOCK_STATE_DIR"]) return env["AIRLOCK_STATE_DIR"];
  if (env["XDG_RUNTIME_DIR"]) return join(env["XDG_RUNTIME_DIR"], "airlock");
  return join(homedir(), ".airlock");
}

const uid = (): number => process.getuid?.() ?? 0;

/**
 * Creates the state directory (0700) or checks an existing one: a real directory (not a
 * symlink), owned by us, no group/other permissions (tightened if ours). Throws
 * {@link UnsafeStatePathError} otherwise. Returns the directory.
 */
export function ensureStateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new UnsafeStatePathError(dir, "is not a directory");
  if (st.uid !== uid()) throw new UnsafeStatePathError(dir, `is owned by uid ${st.uid}, not us`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/**
 * Checks the state directory and, if present, the socket in it before a client connects: both
 * must be ours, the socket a socket. Returns false when there is no socket (no daemon).
 */
export function checkSocket(dir: string): boolean {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return false;
  }
  if (!st.isDirectory() || st.uid !== uid())
    throw new UnsafeStatePathError(dir, `is not a directory owned by uid ${uid()}`);
  if ((st.mode & 0o077) !== 0)
    throw new UnsafeStatePathError(dir, "is open to other users (want 0700)");
  const sock = join(dir, SOCKET_NAME);
  try {
    st = lstatSync(sock);
  } catch {
    return false;
  }
  if (!st.isSocket()) throw new UnsafeStatePathError(sock, "is not a socket");
  if (st.uid !== uid()) throw new UnsafeStatePathError(sock, `is owned by uid ${st.uid}, not us`);
  return true;
}
