import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "vitest";
import { VfsError, type Errno } from "../src/index.js";

/** A fresh directory under os.tmpdir(); remove it with `cleanup()`. */
export function tempDir(prefix = "airlock-vfs-"): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

export function cleanup(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export const SECRET = "TOP-SECRET-SENTINEL";

/**
 * A granted root beside an `outside` directory holding secrets, with the links an attacker
 * would plant:
 *
 *   base/outside/secret.txt, base/outside/hard-target.txt
 *   base/root/file.txt, sub/inner.txt, link-in -> file.txt, link-abs-in -> <root>/sub,
 *     link-out -> ../outside/secret.txt, link-abs-out -> <base>/outside/secret.txt,
 *     link-dir-out -> ../outside, link-proc -> /proc/self/environ, loop-a <-> loop-b, self -> self,
 *     hard.txt (a hard link of outside/hard-target.txt), fifo (a FIFO, unless `fifo: false`)
 */
export interface Tree {
  readonly base: string;
  readonly root: string;
  readonly outside: string;
  /** Link targets planted before the run that point outside. */
  readonly escapingTargets: ReadonlySet<string>;
}

export function makeTree(options: { fifo?: boolean } = {}): Tree {
  const base = tempDir();
  const root = path.join(base, "root");
  const outside = path.join(base, "outside");
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "secret.txt"), SECRET);
  fs.writeFileSync(path.join(outside, "hard-target.txt"), SECRET);
  fs.writeFileSync(path.join(root, "file.txt"), "hello\n");
  fs.mkdirSync(path.join(root, "sub"));
  fs.writeFileSync(path.join(root, "sub", "inner.txt"), "inner\n");
  const escaping = [
    ["link-out", "../outside/secret.txt"],
    ["link-abs-out", path.join(outside, "secret.txt")],
    ["link-dir-out", "../outside"],
    ["link-proc", "/proc/self/environ"],
  ] as const;
  for (const [name, target] of escaping) fs.symlinkSync(target, path.join(root, name));
  fs.symlinkSync("file.txt", path.join(root, "link-in"));
  fs.symlinkSync(path.join(root, "sub"), path.join(root, "link-abs-in"));
  fs.symlinkSync("loop-b", path.join(root, "loop-a"));
  fs.symlinkSync("loop-a", path.join(root, "loop-b"));
  fs.symlinkSync("self", path.join(root, "self"));
  fs.linkSync(path.join(outside, "hard-target.txt"), path.join(root, "hard.txt"));
  if (options.fifo !== false) execFileSync("mkfifo", [path.join(root, "fifo")]);
  return { base, root, outside, escapingTargets: new Set(escaping.map(([, target]) => target)) };
}

/** Everything under `dir` (not following links): path → type, mode, size, mtime, content or target. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (p: string): void => {
    const st = fs.lstatSync(p);
    const rel = path.relative(dir, p) || ".";
    if (st.isDirectory()) {
      out[rel] = `dir ${st.mode} ${st.mtimeMs}`;
      for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    } else if (st.isSymbolicLink()) {
      out[rel] = `link ${fs.readlinkSync(p)}`;
    } else if (st.isFile()) {
      out[rel] = `file ${st.mode} ${st.size} ${st.mtimeMs} ${fs.readFileSync(p, "utf8")}`;
    } else {
      out[rel] = `special ${st.mode}`;
    }
  };
  visit(dir);
  return out;
}

/** Runs `fn`, expecting a VfsError with `errno`; returns it. */
export function expectErrno(fn: () => unknown, errno: Errno): VfsError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${errno}`).toBeInstanceOf(VfsError);
  const error = thrown as VfsError;
  expect(error.errno, error.message).toBe(errno);
  expect(error.code).toBe("AIRLOCK_VFS");
  return error;
}

export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
