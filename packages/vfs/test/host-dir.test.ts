import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createVfs, hostDir, memoryFs, VfsConfigError, type Vfs } from "../src/index.js";
import { cleanup, expectErrno, makeTree, SECRET, snapshot, text, type Tree } from "./helpers.js";

let tree: Tree;
let vfs: Vfs;
let outsideBefore: Record<string, string>;

beforeEach(() => {
  tree = makeTree();
  outsideBefore = snapshot(tree.outside);
  vfs = createVfs({
    mounts: { "/project": hostDir(tree.root, { read: true, write: true }), "/tmp": memoryFs() },
    cwd: "/project",
  });
});

afterEach(() => {
  vfs.dispose();
  // Whatever a test did, nothing outside the root changed.
  expect(snapshot(tree.outside)).toEqual(outsideBefore);
  cleanup(tree.base);
});

/** Every error message is about sandbox paths: the host's base directory never appears. */
function denied(fn: () => unknown, errno: Parameters<typeof expectErrno>[1] = "EACCES") {
  const error = expectErrno(fn, errno);
  expect(error.message).not.toContain(tree.base);
  expect(JSON.stringify(error)).not.toContain(tree.base);
  return error;
}

describe("hostDir: reading and writing inside the root", () => {
  it("reads, writes, lists and stats granted files", () => {
    expect(text(vfs.readFile("/project/file.txt"))).toBe("hello\n");
    expect(text(vfs.readFile("file.txt"))).toBe("hello\n");
    vfs.writeFile("/project/new.txt", "data");
    expect(fs.readFileSync(path.join(tree.root, "new.txt"), "utf8")).toBe("data");
    vfs.writeFile("/project/new.txt", "+more", { append: true });
    expect(text(vfs.readFile("/project/new.txt"))).toBe("data+more");
    expect(vfs.stat("/project/new.txt")).toMatchObject({ type: "file", size: 9 });
    expect(vfs.readdir("/project/sub")).toEqual(["inner.txt"]);
    expect(vfs.readdir("/project/sub", { withFileTypes: true })).toEqual([
      { name: "inner.txt", type: "file" },
    ]);
    vfs.mkdir("/project/a/b/c", { recursive: true });
    expect(vfs.stat("/project/a/b/c").type).toBe("dir");
    vfs.rename("/project/new.txt", "/project/a/moved.txt");
    expect(vfs.exists("/project/new.txt")).toBe(false);
    vfs.truncate("/project/a/moved.txt", 2);
    expect(text(vfs.readFile("/project/a/moved.txt"))).toBe("da");
    vfs.rm("/project/a", { recursive: true });
    expect(fs.existsSync(path.join(tree.root, "a"))).toBe(false);
  });

  it("refuses exclusive writes over existing files", () => {
    denied(() => vfs.writeFile("/project/file.txt", "x", { exclusive: true }), "EEXIST");
    vfs.writeFile("/project/fresh.txt", "x", { exclusive: true });
    expect(text(vfs.readFile("/project/fresh.txt"))).toBe("x");
  });

  it("reports ordinary errors with sandbox paths", () => {
    const error = denied(() => vfs.readFile("/project/missing.txt"), "ENOENT");
    expect(error.path).toBe("/project/missing.txt");
    expect(error.syscall).toBe("open");
    expect(error.message).toBe("ENOENT: no such file or directory, open '/project/missing.txt'");
    denied(() => vfs.readFile("/project/sub"), "EISDIR");
    denied(() => vfs.readdir("/project/file.txt"), "ENOTDIR");
    denied(() => vfs.rmdir("/project/sub"), "ENOTEMPTY");
    denied(() => vfs.mkdir("/project/sub"), "EEXIST");
    denied(() => vfs.unlink("/project/sub"), "EISDIR");
  });
});

describe("hostDir: `..` and absolute paths", () => {
  it("allows `..` that stays inside", () => {
    expect(text(vfs.readFile("/project/sub/../file.txt"))).toBe("hello\n");
    expect(text(vfs.readFile("sub/./../sub/inner.txt"))).toBe("inner\n");
  });

  it("denies `../` chains out of the mount", () => {
    denied(() => vfs.readFile("../outside/secret.txt"), "ENOENT");
    denied(() => vfs.readFile("/project/../outside/secret.txt"), "ENOENT");
    denied(() => vfs.readFile("/project/sub/../../../../../../outside/secret.txt"), "ENOENT");
    denied(() => vfs.writeFile("/project/../../outside/pwned.txt", "x"), "ENOENT");
    // Lexical `..` at the sandbox root stays at the root; it never reaches the host's parent.
    // (The message echoes the guest's own path, so it may contain the string the guest wrote.)
    expectErrno(() => vfs.readFile("/../../../../" + tree.outside + "/secret.txt"), "ENOENT");
  });

  it("treats absolute host paths as sandbox paths", () => {
    expectErrno(() => vfs.readFile(path.join(tree.outside, "secret.txt")), "ENOENT");
    expectErrno(() => vfs.readFile(path.join(tree.root, "file.txt")), "ENOENT");
    // Used directly, a hostDir resolves absolute paths from its own root.
    const direct = hostDir(tree.root, { read: true });
    expectErrno(() => direct.readFile(path.join(tree.outside, "secret.txt")), "ENOENT");
    expect(text(direct.readFile("/file.txt"))).toBe("hello\n");
    expect(text(direct.readFile("/../../file.txt"))).toBe("hello\n");
  });
});

describe("hostDir: symbolic links", () => {
  it("follows links that stay inside", () => {
    expect(text(vfs.readFile("/project/link-in"))).toBe("hello\n");
    expect(text(vfs.readFile("/project/link-abs-in/inner.txt"))).toBe("inner\n");
    expect(vfs.realpath("/project/link-abs-in/inner.txt")).toBe("/project/sub/inner.txt");
    expect(vfs.lstat("/project/link-in").type).toBe("symlink");
    expect(vfs.readlink("/project/link-in")).toBe("file.txt");
    // An absolute host target inside the root reads back as a sandbox path.
    expect(vfs.readlink("/project/link-abs-in")).toBe("/project/sub");
  });

  it("refuses pre-existing links that lead outside", () => {
    for (const link of ["link-out", "link-abs-out", "link-dir-out/secret.txt", "link-proc"]) {
      const error = denied(() => vfs.readFile(`/project/${link}`));
      expect(error.detail).toBe("symbolic link points outside the mount");
    }
    denied(() => vfs.stat("/project/link-out"));
    denied(() => vfs.readdir("/project/link-dir-out"));
    denied(() => vfs.writeFile("/project/link-out", "pwned"));
    denied(() => vfs.writeFile("/project/link-dir-out/new.txt", "pwned"));
    denied(() => vfs.truncate("/project/link-abs-out"));
    denied(() => vfs.open("/project/link-out", "r+"));
    denied(() => vfs.readlink("/project/link-abs-out"));
    denied(() => vfs.readlink("/project/link-out"));
    // The link itself can be seen and removed; what it points at cannot be reached.
    expect(vfs.lstat("/project/link-out").type).toBe("symlink");
    vfs.unlink("/project/link-out");
    expect(fs.existsSync(path.join(tree.outside, "secret.txt"))).toBe(true);
  });

  it("creates links that point inside", () => {
    vfs.symlink("file.txt", "/project/mine");
    expect(text(vfs.readFile("/project/mine"))).toBe("hello\n");
    expect(fs.readlinkSync(path.join(tree.root, "mine"))).toBe("file.txt");
    vfs.symlink("/project/sub/inner.txt", "/project/sub/abs");
    expect(text(vfs.readFile("/project/sub/abs"))).toBe("inner\n");
    vfs.symlink("../file.txt", "/project/sub/up");
    expect(text(vfs.readFile("/project/sub/up"))).toBe("hello\n");
    // Targets with `..` or absolute ones are stored as absolute host paths (safe to move).
    expect(fs.readlinkSync(path.join(tree.root, "sub", "up"))).toBe(
      path.join(tree.root, "file.txt"),
    );
    expect(vfs.readlink("/project/sub/up")).toBe("/project/file.txt");
    vfs.rename("/project/sub/up", "/project/moved-up");
    expect(text(vfs.readFile("/project/moved-up"))).toBe("hello\n");
    vfs.symlink("not-yet", "/project/dangling");
    denied(() => vfs.readFile("/project/dangling"), "ENOENT");
  });

  it("refuses to create links that lead outside", () => {
    denied(() => vfs.symlink("../outside/secret.txt", "/project/evil"));
    denied(() => vfs.symlink("../../../../etc/passwd", "/project/sub/evil"));
    denied(() => vfs.symlink("link-dir-out/secret.txt", "/project/evil"));
    denied(() => vfs.symlink("/tmp/x", "/project/evil"));
    expectErrno(() => vfs.symlink(tree.outside, "/project/evil"), "EACCES");
    expect(fs.existsSync(path.join(tree.root, "evil"))).toBe(false);
    expect(fs.existsSync(path.join(tree.root, "sub", "evil"))).toBe(false);
  });

  it("answers ELOOP for link loops", () => {
    denied(() => vfs.readFile("/project/loop-a"), "ELOOP");
    denied(() => vfs.stat("/project/self"), "ELOOP");
    vfs.symlink("c2", "/project/c1");
    vfs.symlink("c1", "/project/c2");
    denied(() => vfs.writeFile("/project/c1", "x"), "ELOOP");
    expect(vfs.lstat("/project/c1").type).toBe("symlink");
  });

  it("keeps a link from climbing out after its directory is moved", () => {
    // `sub/up -> ../file.txt` moved to the root would point at ../file.txt: outside.
    vfs.symlink("../file.txt", "/project/sub/up");
    vfs.mkdir("/project/deep/er", { recursive: true });
    vfs.rename("/project/sub", "/project/deep/er/sub");
    expect(text(vfs.readFile("/project/deep/er/sub/up"))).toBe("hello\n");
    vfs.rename("/project/deep/er/sub/up", "/project/up");
    const target = fs.readlinkSync(path.join(tree.root, "up"));
    expect(path.resolve(tree.root, target).startsWith(tree.root + path.sep)).toBe(true);
  });
});

describe("hostDir: moving links", () => {
  it("refuses to move a host-made relative link where it would climb out", () => {
    fs.symlinkSync("../file.txt", path.join(tree.root, "sub", "up"));
    vfs.rename("/project/sub/up", "/project/sub/up2");
    expect(text(vfs.readFile("/project/sub/up2"))).toBe("hello\n");
    denied(() => vfs.rename("/project/sub/up2", "/project/up"));
    expect(fs.readlinkSync(path.join(tree.root, "sub", "up2"))).toBe("../file.txt");
  });

  it("refuses to move a directory up while it holds such a link", () => {
    fs.mkdirSync(path.join(tree.root, "a", "b"), { recursive: true });
    fs.symlinkSync("../../file.txt", path.join(tree.root, "a", "b", "l"));
    denied(() => vfs.rename("/project/a/b", "/project/b"));
    vfs.mkdir("/project/c");
    vfs.rename("/project/a/b", "/project/c/d");
    expect(text(vfs.readFile("/project/c/d/l"))).toBe("hello\n");
  });

  it("refuses to move links that already point outside", () => {
    denied(() => vfs.rename("/project/link-out", "/project/link-out-2"));
    denied(() => vfs.rename("/project/link-abs-out", "/project/sub/x"));
    // One level deeper, `../outside/secret.txt` names root/outside/secret.txt: inside, so allowed.
    vfs.rename("/project/link-out", "/project/sub/link-out");
    expectErrno(() => vfs.readFile("/project/sub/link-out"), "ENOENT");
    vfs.rename("/project/link-in", "/project/link-in-2");
    expect(text(vfs.readFile("/project/link-in-2"))).toBe("hello\n");
  });
});

describe("hostDir: hard links, special files, /proc", () => {
  it("refuses files with other hard links unless allowed", () => {
    denied(() => vfs.readFile("/project/hard.txt"));
    denied(() => vfs.writeFile("/project/hard.txt", "pwned"));
    denied(() => vfs.open("/project/hard.txt", "r"));
    denied(() => vfs.truncate("/project/hard.txt"));
    expect(vfs.stat("/project/hard.txt").nlink).toBe(2);
    const allowing = createVfs({
      mounts: { "/p": hostDir(tree.root, { read: true, allowHardLinks: true }) },
    });
    expect(text(allowing.readFile("/p/hard.txt"))).toBe(SECRET);
    // An ordinary file is fine.
    expect(text(vfs.readFile("/project/file.txt"))).toBe("hello\n");
  });

  it("refuses FIFOs and leaves them out of listings", () => {
    denied(() => vfs.readFile("/project/fifo"));
    denied(() => vfs.open("/project/fifo", "r"));
    denied(() => vfs.writeFile("/project/fifo", "x"));
    denied(() => vfs.stat("/project/fifo"));
    expect(vfs.readdir("/project")).not.toContain("fifo");
    expect(vfs.readdir("/project")).toContain("file.txt");
  });

  it("refuses /proc: outside every mount, through links, and as a grant", () => {
    denied(() => vfs.readFile("/proc/self/environ"), "ENOENT");
    denied(() => vfs.readFile("/project/../proc/self/environ"), "ENOENT");
    denied(() => vfs.readFile("/project/link-proc"));
    denied(() => vfs.symlink("/proc/self/root", "/project/proc-link"));
    expect(() => hostDir("/proc")).toThrow(VfsConfigError);
    expect(() => hostDir("/proc/self")).toThrow(VfsConfigError);
    expect(() => hostDir("/sys")).toThrow(VfsConfigError);
  });

  it("refuses devices", () => {
    fs.symlinkSync("/dev/zero", path.join(tree.root, "zero"));
    denied(() => vfs.readFile("/project/zero"));
    const dev = createVfs({ mounts: { "/dev": hostDir("/dev", { read: true, write: true }) } });
    denied(() => dev.readFile("/dev/null"));
    denied(() => dev.writeFile("/dev/null", "x"));
    expect(dev.readdir("/dev")).not.toContain("null");
  });
});

describe("hostDir: path strings", () => {
  it("rejects NUL bytes", () => {
    denied(() => vfs.readFile("/project/file.txt\0../../outside/secret.txt"), "EINVAL");
    denied(() => vfs.writeFile("/project/a\0b", "x"), "EINVAL");
    denied(() => vfs.symlink("file.txt\0", "/project/x"), "EINVAL");
    expect(vfs.exists("/project/file.txt\0")).toBe(false);
  });

  it("compares names byte-exact: fullwidth and other dots are ordinary names", () => {
    for (const dots of ["．．", "\u2025", "\uFF0E", ".\u200B.", "%2e%2e", "..\\", "\u002E\u0338"]) {
      denied(() => vfs.readFile(`/project/${dots}/outside/secret.txt`), "ENOENT");
      denied(() => vfs.readFile(`/project/${dots}/${dots}/outside/secret.txt`), "ENOENT");
    }
    vfs.mkdir("/project/．．");
    vfs.writeFile("/project/．．/x.txt", "inside");
    expect(fs.readFileSync(path.join(tree.root, "．．", "x.txt"), "utf8")).toBe("inside");
    // NFC and NFD spellings are different names (no normalisation).
    vfs.writeFile("/project/caf\u00e9", "nfc");
    denied(() => vfs.readFile("/project/cafe\u0301"), "ENOENT");
  });

  it("rejects lone surrogates (they would collapse to U+FFFD on the host)", () => {
    denied(() => vfs.writeFile("/project/\uD800", "x"), "EINVAL");
    vfs.writeFile("/project/\uD83D\uDE00", "emoji");
    expect(text(vfs.readFile("/project/\uD83D\uDE00"))).toBe("emoji");
  });

  it("does not fold case", () => {
    denied(() => vfs.readFile("/PROJECT/file.txt"), "ENOENT");
    denied(() => vfs.readFile("/Project/file.txt"), "ENOENT");
    denied(() => vfs.writeFile("/PROJECT/x", "x"), "ENOENT");
    denied(() => vfs.readFile("/project/FILE.TXT"), "ENOENT");
    expect(vfs.exists("/project/file.txt")).toBe(true);
  });

  it("handles trailing slashes as POSIX does", () => {
    expect(vfs.stat("/project/sub/").type).toBe("dir");
    expect(vfs.readdir("/project/sub/")).toEqual(["inner.txt"]);
    expect(vfs.stat("/project/link-abs-in/").type).toBe("dir");
    expect(vfs.lstat("/project/link-abs-in/").type).toBe("dir");
    denied(() => vfs.stat("/project/file.txt/"), "ENOTDIR");
    denied(() => vfs.readFile("/project/file.txt/"), "ENOTDIR");
    denied(() => vfs.writeFile("/project/new.txt/", "x"), "EISDIR");
    denied(() => vfs.readFile("/project/sub/"), "EISDIR");
    vfs.mkdir("/project/made/");
    expect(vfs.stat("/project/made").type).toBe("dir");
    vfs.rmdir("/project/made/");
    expect(vfs.exists("/project/made")).toBe(false);
  });

  it("bounds path and name length", () => {
    denied(() => vfs.readFile("/project/" + "a".repeat(256)), "ENAMETOOLONG");
    denied(() => vfs.readFile("/project/" + "a/".repeat(2100)), "ENAMETOOLONG");
    denied(() => vfs.readFile("../".repeat(2000) + "outside/secret.txt"), "ENAMETOOLONG");
    denied(() => vfs.readFile("../".repeat(1300) + "outside/secret.txt"), "ENOENT");
    vfs.writeFile("/project/" + "b".repeat(255), "ok");
    denied(() => vfs.readFile("/project/" + "dir/".repeat(800) + "x"), "ENOENT");
  });
});

describe("hostDir: permissions", () => {
  it("a read-only grant refuses every write", () => {
    const before = snapshot(tree.root);
    const ro = createVfs({ mounts: { "/p": hostDir(tree.root, { read: true }) } });
    expect(text(ro.readFile("/p/file.txt"))).toBe("hello\n");
    expect(ro.readdir("/p")).toContain("sub");
    denied(() => ro.writeFile("/p/file.txt", "x"));
    denied(() => ro.writeFile("/p/new.txt", "x"));
    denied(() => ro.mkdir("/p/d"));
    denied(() => ro.unlink("/p/file.txt"));
    denied(() => ro.rmdir("/p/sub"));
    denied(() => ro.rm("/p/sub", { recursive: true }));
    denied(() => ro.rename("/p/file.txt", "/p/f2"));
    denied(() => ro.symlink("file.txt", "/p/l"));
    denied(() => ro.truncate("/p/file.txt"));
    denied(() => ro.open("/p/file.txt", "r+"));
    denied(() => ro.open("/p/file.txt", "a"));
    // Stats show the file as not writable.
    expect(ro.stat("/p/file.txt").mode & 0o222).toBe(0);
    expect(snapshot(tree.root)).toEqual(before);
  });

  it("a write-only grant refuses reads", () => {
    const wo = createVfs({ mounts: { "/out": hostDir(tree.root, { write: true }) } });
    wo.writeFile("/out/result.txt", "written");
    expect(fs.readFileSync(path.join(tree.root, "result.txt"), "utf8")).toBe("written");
    wo.mkdir("/out/d/e", { recursive: true });
    expect(wo.stat("/out/result.txt").size).toBe(7);
    denied(() => wo.readFile("/out/result.txt"));
    denied(() => wo.readFile("/out/file.txt"));
    denied(() => wo.readdir("/out"));
    denied(() => wo.open("/out/file.txt", "r"));
    denied(() => wo.open("/out/file.txt", "a+"));
    denied(() => wo.readlink("/out/link-in"));
    const fd = wo.open("/out/file.txt", "a");
    wo.write(fd, new TextEncoder().encode("more"));
    wo.close(fd);
    expect(fs.readFileSync(path.join(tree.root, "file.txt"), "utf8")).toBe("hello\nmore");
  });

  it("a grant without execute creates no executable files and hides execute bits", () => {
    vfs.writeFile("/project/script.sh", "#!/bin/sh\n", { mode: 0o755 });
    expect(fs.statSync(path.join(tree.root, "script.sh")).mode & 0o111).toBe(0);
    fs.chmodSync(path.join(tree.root, "file.txt"), 0o755);
    expect(vfs.stat("/project/file.txt").mode & 0o111).toBe(0);
    const exec = createVfs({
      mounts: { "/p": hostDir(tree.root, { read: true, write: true, execute: true }) },
    });
    expect(exec.stat("/p/file.txt").mode & 0o111).toBe(0o111);
    exec.writeFile("/p/run.sh", "#!/bin/sh\n", { mode: 0o755 });
    expect(fs.statSync(path.join(tree.root, "run.sh")).mode & 0o100).toBe(0o100);
  });
});

describe("hostDir: construction", () => {
  it("needs an existing directory", () => {
    expect(() => hostDir(path.join(tree.base, "missing"))).toThrow(VfsConfigError);
    expect(() => hostDir(path.join(tree.root, "file.txt"))).toThrow(VfsConfigError);
    expect(() => hostDir("")).toThrow(VfsConfigError);
    expect(() => hostDir("/tmp\0/x")).toThrow(VfsConfigError);
    expect(hostDir(tree.root).kind).toBe("hostDir");
  });

  it("binds the real directory when given a link to it", () => {
    const link = path.join(tree.base, "root-link");
    fs.symlinkSync(tree.root, link);
    const viaLink = createVfs({ mounts: { "/p": hostDir(link, { read: true }) } });
    expect(text(viaLink.readFile("/p/file.txt"))).toBe("hello\n");
    // Replacing the link later does not move the grant.
    fs.unlinkSync(link);
    fs.symlinkSync(tree.outside, link);
    denied(() => viaLink.readFile("/p/secret.txt"), "ENOENT");
  });

  it("refuses to follow a root that was replaced by a link", () => {
    const inner = path.join(tree.root, "sub");
    const sandbox = createVfs({ mounts: { "/s": hostDir(inner, { read: true }) } });
    fs.renameSync(inner, path.join(tree.root, "sub-moved"));
    fs.symlinkSync(tree.outside, inner);
    denied(() => sandbox.readFile("/s/secret.txt"), "ENOENT");
  });
});
