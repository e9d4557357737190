import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createVfs, hostDir, memoryFs, overlayFs, VfsConfigError, type Vfs } from "../src/index.js";
import { cleanup, expectErrno, snapshot, tempDir, text } from "./helpers.js";

let dir: string;
let lowerBefore: Record<string, string>;
let vfs: Vfs;

beforeEach(() => {
  dir = tempDir();
  fs.mkdirSync(path.join(dir, "src", "deep"), { recursive: true });
  fs.writeFileSync(path.join(dir, "README.md"), "lower readme\n");
  fs.writeFileSync(path.join(dir, "src", "a.ts"), "a\n");
  fs.writeFileSync(path.join(dir, "src", "b.ts"), "b\n");
  fs.writeFileSync(path.join(dir, "src", "deep", "c.ts"), "c\n");
  fs.symlinkSync("a.ts", path.join(dir, "src", "link.ts"));
  lowerBefore = snapshot(dir);
  // The lower layer is a read-only grant: the overlay must never need to write it.
  const lower = hostDir(dir, { read: true });
  vfs = createVfs({ mounts: { "/w": overlayFs({ lower, upper: memoryFs() }) } });
});

afterEach(() => {
  expect(snapshot(dir)).toEqual(lowerBefore);
  cleanup(dir);
});

describe("overlayFs", () => {
  it("shows the lower layer", () => {
    expect(text(vfs.readFile("/w/README.md"))).toBe("lower readme\n");
    expect(vfs.readdir("/w/src")).toEqual(["a.ts", "b.ts", "deep", "link.ts"]);
    expect(text(vfs.readFile("/w/src/link.ts"))).toBe("a\n");
  });

  it("copies a file up on write; the lower file is untouched", () => {
    vfs.writeFile("/w/src/a.ts", "changed\n");
    expect(text(vfs.readFile("/w/src/a.ts"))).toBe("changed\n");
    expect(text(vfs.readFile("/w/src/link.ts"))).toBe("changed\n");
    expect(fs.readFileSync(path.join(dir, "src", "a.ts"), "utf8")).toBe("a\n");
    vfs.writeFile("/w/src/b.ts", "more\n", { append: true });
    expect(text(vfs.readFile("/w/src/b.ts"))).toBe("b\nmore\n");
    const fd = vfs.open("/w/src/deep/c.ts", "r+");
    vfs.write(fd, new TextEncoder().encode("C"), 0, 1, 0);
    vfs.close(fd);
    expect(text(vfs.readFile("/w/src/deep/c.ts"))).toBe("C\n");
    vfs.truncate("/w/README.md", 5);
    expect(text(vfs.readFile("/w/README.md"))).toBe("lower");
  });

  it("whites out deleted lower entries", () => {
    vfs.unlink("/w/src/a.ts");
    expectErrno(() => vfs.readFile("/w/src/a.ts"), "ENOENT");
    expect(vfs.readdir("/w/src")).toEqual(["b.ts", "deep", "link.ts"]);
    expectErrno(() => vfs.readFile("/w/src/link.ts"), "ENOENT");
    vfs.rm("/w/src/deep", { recursive: true });
    expect(vfs.exists("/w/src/deep")).toBe(false);
    expect(fs.existsSync(path.join(dir, "src", "deep", "c.ts"))).toBe(true);
    expectErrno(() => vfs.rmdir("/w/src"), "ENOTEMPTY");
    vfs.rm("/w/src", { recursive: true });
    expect(vfs.readdir("/w")).toEqual(["README.md"]);
  });

  it("makes a directory recreated over a whiteout opaque", () => {
    vfs.rm("/w/src", { recursive: true });
    vfs.mkdir("/w/src");
    expect(vfs.readdir("/w/src")).toEqual([]);
    vfs.writeFile("/w/src/a.ts", "new\n");
    expect(vfs.readdir("/w/src")).toEqual(["a.ts"]);
    expect(text(vfs.readFile("/w/src/a.ts"))).toBe("new\n");
  });

  it("renames lower files and directories by copying them up", () => {
    vfs.rename("/w/README.md", "/w/README.txt");
    expect(vfs.readdir("/w")).toEqual(["README.txt", "src"]);
    vfs.rename("/w/src", "/w/lib");
    expect(vfs.readdir("/w/lib")).toEqual(["a.ts", "b.ts", "deep", "link.ts"]);
    expect(text(vfs.readFile("/w/lib/deep/c.ts"))).toBe("c\n");
    expect(text(vfs.readFile("/w/lib/link.ts"))).toBe("a\n");
    expect(vfs.exists("/w/src")).toBe(false);
    vfs.mkdir("/w/src");
    expect(vfs.readdir("/w/src")).toEqual([]);
  });

  it("creates new files in the upper layer", () => {
    vfs.mkdir("/w/src/deep/new/dir", { recursive: true });
    vfs.writeFile("/w/src/deep/new/dir/x.ts", "x");
    vfs.symlink("dir/x.ts", "/w/src/deep/new/x");
    expect(text(vfs.readFile("/w/src/deep/new/x"))).toBe("x");
    expect(vfs.readdir("/w/src/deep")).toEqual(["c.ts", "new"]);
    expectErrno(() => vfs.writeFile("/w/src/a.ts", "x", { exclusive: true }), "EEXIST");
    expectErrno(() => vfs.mkdir("/w/src"), "EEXIST");
  });

  it("needs two distinct filesystems", () => {
    const m = memoryFs();
    expect(() => overlayFs({ lower: m, upper: m })).toThrow(VfsConfigError);
    expect(() => overlayFs({ lower: m } as never)).toThrow(VfsConfigError);
  });
});
