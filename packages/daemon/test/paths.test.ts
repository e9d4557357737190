// The state directory and control socket are the owner's alone: 0700 / 0600, and anything owned
// by another user, open to others, or of the wrong kind is refused (deny beside allow).
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  UnsafeStatePathError,
  checkSocket,
  daemonSocketPresent,
  ensureStateDir,
  stateDir,
} from "../src/index.js";

const root = mkdtempSync(join(tmpdir(), "airlock-paths-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;
const OTHER = 65534; // nobody

function listen(path: string) {
  const server = createServer();
  return new Promise<typeof server>((r) => server.listen(path, () => r(server)));
}

describe("stateDir", () => {
  it("prefers AIRLOCK_STATE_DIR, then XDG_RUNTIME_DIR/airlock, then ~/.airlock", () => {
    expect(stateDir({ AIRLOCK_STATE_DIR: "/x", XDG_RUNTIME_DIR: "/run/u" })).toBe("/x");
    expect(stateDir({ XDG_RUNTIME_DIR: "/run/u" })).toBe("/run/u/airlock");
    expect(stateDir({})).toMatch(/\/\.airlock$/);
  });
});

describe("ensureStateDir", () => {
  it("creates the directory 0700", () => {
    const dir = join(root, "new", "airlock");
    ensureStateDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("tightens a directory of ours that others could enter", () => {
    const dir = join(root, "loose");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    ensureStateDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("refuses a symlink and a plain file", () => {
    const target = join(root, "target");
    mkdirSync(target, { mode: 0o700 });
    symlinkSync(target, join(root, "link"));
    expect(() => ensureStateDir(join(root, "link"))).toThrow(UnsafeStatePathError);
    writeFileSync(join(root, "file"), "");
    expect(() => ensureStateDir(join(root, "file"))).toThrow();
  });

  it.runIf(isRoot)("refuses a directory owned by another user (needs root to chown)", () => {
    const dir = join(root, "theirs");
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, OTHER, OTHER);
    expect(() => ensureStateDir(dir)).toThrow(/owned by uid 65534/);
  });
});

describe("checkSocket", () => {
  it("accepts our own socket in our own 0700 directory", async () => {
    const dir = ensureStateDir(join(root, "ok"));
    const server = await listen(join(dir, "daemon.sock"));
    try {
      expect(checkSocket(dir)).toBe(true);
      expect(daemonSocketPresent(dir)).toBe(true);
    } finally {
      server.close();
    }
  });

  it("says no daemon when there is no socket or no directory", () => {
    expect(checkSocket(ensureStateDir(join(root, "empty")))).toBe(false);
    expect(checkSocket(join(root, "missing"))).toBe(false);
    expect(daemonSocketPresent(join(root, "empty"))).toBe(false);
    expect(daemonSocketPresent(join(root, "missing"))).toBe(false);
  });

  it("refuses a directory open to others", () => {
    const dir = ensureStateDir(join(root, "open"));
    chmodSync(dir, 0o755);
    expect(() => checkSocket(dir)).toThrow(/open to other users/);
  });

  it("refuses a socket path that is not a socket", () => {
    const dir = ensureStateDir(join(root, "notsock"));
    writeFileSync(join(dir, "daemon.sock"), "");
    expect(() => checkSocket(dir)).toThrow(/not a socket/);
    expect(daemonSocketPresent(dir)).toBe(false);
  });

  it.runIf(isRoot)("refuses a socket owned by another user (needs root to chown)", async () => {
    const dir = ensureStateDir(join(root, "foreign"));
    const server = await listen(join(dir, "daemon.sock"));
    try {
      chownSync(join(dir, "daemon.sock"), OTHER, OTHER);
      expect(() => checkSocket(dir)).toThrow(/owned by uid 65534/);
    } finally {
      server.close();
    }
  });

  it.runIf(isRoot)("refuses a directory owned by another user (needs root to chown)", () => {
    const dir = ensureStateDir(join(root, "foreign-dir"));
    chownSync(dir, OTHER, OTHER);
    expect(() => checkSocket(dir)).toThrow(UnsafeStatePathError);
  });
});
