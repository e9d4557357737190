import * as fs from "node:fs";
import * as path from "node:path";
import type { DirGrant } from "@airlock/config";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createVfs,
  hostDir,
  memoryFs,
  resolveSandboxPath,
  VfsConfigError,
  VfsDisposedError,
  vfsFromDirs,
  type Vfs,
} from "../src/index.js";
import { cleanup, expectErrno, tempDir, text } from "./helpers.js";

describe("resolveSandboxPath", () => {
  it("normalises lexically against cwd", () => {
    expect(resolveSandboxPath("/a/./b//c/")).toBe("/a/b/c");
    expect(resolveSandboxPath("../../x", "/a/b")).toBe("/x");
    expect(resolveSandboxPath("/../../..")).toBe("/");
    expect(resolveSandboxPath("x/..", "/p")).toBe("/p");
    expect(resolveSandboxPath("．．/x", "/p")).toBe("/p/．．/x");
  });

  it("rejects unusable strings", () => {
    expectErrno(() => resolveSandboxPath(""), "ENOENT");
    expectErrno(() => resolveSandboxPath("/a\0"), "EINVAL");
    expectErrno(() => resolveSandboxPath("/\uDC00"), "EINVAL");
    expectErrno(() => resolveSandboxPath("/" + "x".repeat(256)), "ENAMETOOLONG");
    expectErrno(() => resolveSandboxPath("/" + "x/".repeat(2049)), "ENAMETOOLONG");
  });
});

describe("createVfs: the mount table", () => {
  let dir: string;
  let vfs: Vfs;

  beforeEach(() => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, "a"));
    fs.mkdirSync(path.join(dir, "b"));
    fs.writeFileSync(path.join(dir, "a", "in-a.txt"), "A");
    fs.writeFileSync(path.join(dir, "b", "in-b.txt"), "B");
    vfs = createVfs({
      mounts: {
        "/home/u/a": hostDir(path.join(dir, "a"), { read: true, write: true }),
        "/home/u/a/cache": memoryFs(),
        "/b": hostDir(path.join(dir, "b"), { read: true }),
        "/tmp": memoryFs(),
      },
      cwd: "/home/u/a",
    });
  });

  afterEach(() => {
    vfs.dispose();
    cleanup(dir);
  });

  it("routes to the longest matching mount point", () => {
    vfs.writeFile("/home/u/a/cache/x", "cached");
    expect(fs.existsSync(path.join(dir, "a", "cache"))).toBe(false);
    expect(text(vfs.readFile("cache/x"))).toBe("cached");
    expect(text(vfs.readFile("in-a.txt"))).toBe("A");
    expect(vfs.mountPoints).toEqual(["/home/u/a/cache", "/home/u/a", "/b", "/tmp"]);
  });

  it("keeps `..` from crossing into a sibling mount's host directory", () => {
    // On the host, a/../b/in-b.txt exists; in the sandbox, /home/u/a/.. is /home/u.
    expectErrno(() => vfs.readFile("/home/u/a/../b/in-b.txt"), "ENOENT");
    expect(text(vfs.readFile("/home/u/a/../../../b/in-b.txt"))).toBe("B");
    expectErrno(() => vfs.readFile("/home/u/a/cache/../../b/in-b.txt"), "ENOENT");
  });

  it("answers ENOENT outside every mount, and shows the way to mount points", () => {
    expectErrno(() => vfs.readFile("/etc/passwd"), "ENOENT");
    expectErrno(() => vfs.stat("/home/v"), "ENOENT");
    expect(vfs.readdir("/")).toEqual(["b", "home", "tmp"]);
    expect(vfs.readdir("/home/u")).toEqual(["a"]);
    expect(vfs.stat("/home").type).toBe("dir");
    expect(vfs.readdir("/home/u/a")).toEqual(["cache", "in-a.txt"]);
    expectErrno(() => vfs.writeFile("/x", "y"), "EROFS");
    expectErrno(() => vfs.writeFile("/etc/x", "y"), "ENOENT");
    expectErrno(() => vfs.mkdir("/home/new"), "EROFS");
    expectErrno(() => vfs.mkdir("/home"), "EEXIST");
    // realpath walks through the leading directories (Node's realpath lstat's each one).
    expect(vfs.realpath("/home/u/a/in-a.txt")).toBe("/home/u/a/in-a.txt");
  });

  it("refuses renames across mounts (EXDEV) and of mount points (EBUSY)", () => {
    const error = expectErrno(() => vfs.rename("/home/u/a/in-a.txt", "/tmp/x"), "EXDEV");
    expect(error.dest).toBe("/tmp/x");
    expectErrno(() => vfs.rename("/home/u/a/in-a.txt", "/home/u/a/cache/x"), "EXDEV");
    expectErrno(() => vfs.rename("/tmp", "/tmp2"), "EBUSY");
    expectErrno(() => vfs.rmdir("/home/u/a/cache"), "EBUSY");
    expectErrno(() => vfs.rm("/home/u/a", { recursive: true }), "EBUSY");
    expectErrno(() => vfs.rm("/home", { recursive: true }), "EBUSY");
    expect(fs.existsSync(path.join(dir, "a", "in-a.txt"))).toBe(true);
  });

  it("keeps symbolic links inside their mount", () => {
    vfs.symlink("/home/u/a/in-a.txt", "/home/u/a/abs");
    expect(text(vfs.readFile("/home/u/a/abs"))).toBe("A");
    expect(vfs.readlink("/home/u/a/abs")).toBe("/home/u/a/in-a.txt");
    vfs.symlink("/tmp", "/tmp/self");
    expect(vfs.readlink("/tmp/self")).toBe("/tmp");
    expectErrno(() => vfs.symlink("/b/in-b.txt", "/tmp/cross"), "EACCES");
    expectErrno(() => vfs.symlink("/etc/passwd", "/tmp/etc"), "EACCES");
    vfs.symlink("../../../../etc/passwd", "/tmp/rel");
    expectErrno(() => vfs.readFile("/tmp/rel"), "EACCES");
  });

  it("resolves relative paths against cwd and chdir", () => {
    expect(vfs.cwd).toBe("/home/u/a");
    vfs.chdir("cache");
    expect(vfs.cwd).toBe("/home/u/a/cache");
    vfs.writeFile("rel.txt", "r");
    expect(text(vfs.readFile("/home/u/a/cache/rel.txt"))).toBe("r");
    vfs.chdir("../../../..");
    expect(vfs.cwd).toBe("/");
    expectErrno(() => vfs.chdir("/home/u/a/in-a.txt"), "ENOTDIR");
    expectErrno(() => vfs.chdir("/nowhere"), "ENOENT");
  });

  it("rejects bad mount tables", () => {
    const m = memoryFs();
    expect(() => createVfs({ mounts: { tmp: m } })).toThrow(VfsConfigError);
    expect(() => createVfs({ mounts: { "/tmp/": m } })).toThrow(VfsConfigError);
    expect(() => createVfs({ mounts: { "/a/../b": m } })).toThrow(VfsConfigError);
    expect(() => createVfs({ mounts: { "/x": {} as never } })).toThrow(VfsConfigError);
    expect(() => createVfs({ mounts: { "/x": m }, cwd: "relative" })).toThrow(VfsConfigError);
    expect(() => createVfs({ mounts: { "/x": m }, maxOpenFiles: 0 })).toThrow(VfsConfigError);
    expect(() => createVfs({} as never)).toThrow(VfsConfigError);
  });

  it("shows the way to a nested mount its parent mount does not have", () => {
    const nested = createVfs({ mounts: { "/a": memoryFs(), "/a/b/c": memoryFs() } });
    nested.writeFile("/a/b/c/x", "x");
    expect(nested.readdir("/a")).toEqual(["b"]);
    expect(nested.stat("/a/b").type).toBe("dir");
    expect(nested.readdir("/a/b")).toEqual(["c"]);
    expect(nested.realpath("/a/b/c/x")).toBe("/a/b/c/x");
    // Only the way to the nested mount is shown; /a's own filesystem has no /a/b to write into.
    expectErrno(() => nested.writeFile("/a/b/y", "y"), "ENOENT");
    nested.writeFile("/a/y", "y");
    expect(nested.readdir("/a")).toEqual(["b", "y"]);
  });

  it("a root mount takes everything", () => {
    const root = createVfs({ mounts: { "/": memoryFs(), "/b": memoryFs() } });
    root.mkdir("/etc");
    root.writeFile("/etc/x", "x");
    expect(root.readdir("/")).toEqual(["b", "etc"]);
    expect(root.realpath("/etc/x")).toBe("/etc/x");
    expectErrno(() => root.rename("/etc/x", "/b/x"), "EXDEV");
  });
});

describe("createVfs: file descriptors", () => {
  it("reads and writes positionally and at the descriptor's position", () => {
    const vfs = createVfs({ mounts: { "/m": memoryFs() } });
    const fd = vfs.open("/m/f", "w+");
    expect(fd).toBe(3);
    const enc = new TextEncoder();
    vfs.write(fd, enc.encode("hello "));
    vfs.write(fd, enc.encode("world"));
    vfs.write(fd, enc.encode("J"), 0, 1, 0);
    const buf = new Uint8Array(20);
    const n = vfs.read(fd, buf, 0, 20, 0);
    expect(text(buf.subarray(0, n))).toBe("Jello world");
    expect(vfs.fstat(fd).size).toBe(11);
    vfs.ftruncate(fd, 5);
    expect(vfs.fstat(fd).size).toBe(5);
    expectErrno(() => vfs.read(fd, buf, 15, 10), "EINVAL");
    vfs.close(fd);
    expectErrno(() => vfs.read(fd, buf), "EBADF");
    expectErrno(() => vfs.close(fd), "EBADF");
    const ro = vfs.open("/m/f");
    expectErrno(() => vfs.write(ro, enc.encode("x")), "EBADF");
    vfs.close(ro);
    expectErrno(() => vfs.open("/m/f", "wx"), "EEXIST");
    expectErrno(() => vfs.open("/m/missing", "r"), "ENOENT");
    expectErrno(() => vfs.open("/m/f", "rw" as never), "EINVAL");
  });

  it("caps open descriptors (EMFILE) and reuses the lowest free number", () => {
    const vfs = createVfs({ mounts: { "/m": memoryFs() }, maxOpenFiles: 3 });
    vfs.writeFile("/m/f", "x");
    const fds = [vfs.open("/m/f"), vfs.open("/m/f"), vfs.open("/m/f")];
    expect(fds).toEqual([3, 4, 5]);
    expect(vfs.openFiles).toBe(3);
    const error = expectErrno(() => vfs.open("/m/f"), "EMFILE");
    expect(error.path).toBe("/m/f");
    vfs.close(4);
    expect(vfs.open("/m/f")).toBe(4);
  });

  it("closes every descriptor on dispose, and refuses use afterwards", () => {
    const dir = tempDir();
    try {
      const vfs = createVfs({ mounts: { "/d": hostDir(dir, { read: true, write: true }) } });
      const fd = vfs.open("/d/f", "w");
      vfs.write(fd, new TextEncoder().encode("kept"));
      {
        using _scope = vfs;
      }
      expect(vfs.openFiles).toBe(0);
      expect(fs.readFileSync(path.join(dir, "f"), "utf8")).toBe("kept");
      expect(() => vfs.readFile("/d/f")).toThrow(VfsDisposedError);
      expect(() => vfs.read(fd, new Uint8Array(1))).toThrow(VfsDisposedError);
      vfs.dispose();
    } finally {
      cleanup(dir);
    }
  });
});

describe("vfsFromDirs", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, "project"));
    fs.mkdirSync(path.join(dir, "data"));
    fs.writeFileSync(path.join(dir, "data", "d.txt"), "data");
  });
  afterEach(() => cleanup(dir));

  const grant = (p: string, read: boolean, write: boolean): DirGrant => ({
    path: p,
    read,
    write,
    execute: false,
  });

  it("mounts each grant at its own path, plus /tmp in memory", () => {
    const project = path.join(dir, "project");
    const data = path.join(dir, "data");
    const vfs = vfsFromDirs([grant(project, true, true), grant(data, true, false)]);
    expect(vfs.cwd).toBe(project);
    vfs.writeFile("out.txt", "o");
    expect(fs.readFileSync(path.join(project, "out.txt"), "utf8")).toBe("o");
    expect(text(vfs.readFile(path.join(data, "d.txt")))).toBe("data");
    expectErrno(() => vfs.writeFile(path.join(data, "x"), "x"), "EACCES");
    vfs.writeFile("/tmp/scratch", "s");
    expect(fs.existsSync("/tmp/scratch")).toBe(false);
    expectErrno(() => vfs.readFile(path.join(dir, "other")), "ENOENT");
  });

  it("honours options and refuses duplicate grants", () => {
    const project = path.join(dir, "project");
    const vfs = vfsFromDirs([grant(project, true, true)], { tmp: { maxBytes: 4 }, cwd: "/tmp" });
    expect(vfs.cwd).toBe("/tmp");
    expectErrno(() => vfs.writeFile("big", "12345"), "ENOSPC");
    expect(vfsFromDirs([], { tmp: false }).mountPoints).toEqual([]);
    expect(() =>
      vfsFromDirs([grant(project, true, false), grant(project + "/", true, true)]),
    ).toThrow(VfsConfigError);
    expect(() => vfsFromDirs([grant("relative", true, false)])).toThrow(VfsConfigError);
  });
});
