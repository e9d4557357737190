import { describe, expect, it } from "vitest";
import { createVfs, memoryFs, VfsConfigError } from "../src/index.js";
import { expectErrno, text } from "./helpers.js";

const bytes = (n: number) => new Uint8Array(n).fill(7);

describe("memoryFs", () => {
  it("is a working filesystem", () => {
    const fs = memoryFs();
    expect(fs.kind).toBe("memory");
    fs.mkdir("/a/b", { recursive: true });
    fs.writeFile("/a/b/f.txt", "one");
    fs.writeFile("/a/b/f.txt", "+two", { append: true });
    expect(text(fs.readFile("/a/b/f.txt"))).toBe("one+two");
    expect(fs.readdir("/a", { withFileTypes: true })).toEqual([{ name: "b", type: "dir" }]);
    fs.symlink("b/f.txt", "/a/link");
    expect(text(fs.readFile("/a/link"))).toBe("one+two");
    expect(fs.realpath("/a/link")).toBe("/a/b/f.txt");
    fs.symlink("/a/b", "/abs");
    expect(fs.readdir("/abs")).toEqual(["f.txt"]);
    fs.rename("/a/b/f.txt", "/a/g.txt");
    expect(fs.exists("/a/b/f.txt")).toBe(false);
    fs.truncate("/a/g.txt", 3);
    expect(text(fs.readFile("/a/g.txt"))).toBe("one");
    expectErrno(() => fs.rmdir("/a"), "ENOTEMPTY");
    fs.rm("/a", { recursive: true });
    expect(fs.readdir("/")).toEqual(["abs"]);
    fs.rm("/missing", { force: true });
    expectErrno(() => fs.rm("/missing"), "ENOENT");
  });

  it("returns copies: changing a read buffer or a written one does not change the file", () => {
    const fs = memoryFs();
    const data = new TextEncoder().encode("abc");
    fs.writeFile("/f", data);
    data[0] = 120;
    const read = fs.readFile("/f");
    read[1] = 120;
    expect(text(fs.readFile("/f"))).toBe("abc");
  });

  it("follows POSIX rename rules", () => {
    const fs = memoryFs();
    fs.mkdir("/d/e", { recursive: true });
    fs.writeFile("/f", "x");
    expectErrno(() => fs.rename("/d", "/d/e/inside"), "EINVAL");
    expectErrno(() => fs.rename("/f", "/d"), "EISDIR");
    expectErrno(() => fs.rename("/d", "/f"), "ENOTDIR");
    fs.mkdir("/empty");
    fs.rename("/d", "/empty");
    expect(fs.readdir("/empty")).toEqual(["e"]);
    expectErrno(() => fs.rename("/", "/x"), "EBUSY");
    expectErrno(() => fs.rmdir("/"), "EBUSY");
  });

  it("resolves links inside itself only (ELOOP, EACCES for `..` above the root)", () => {
    const fs = memoryFs();
    fs.symlink("a", "/b");
    fs.symlink("b", "/a");
    expectErrno(() => fs.readFile("/a"), "ELOOP");
    fs.symlink("../../etc/passwd", "/up");
    expectErrno(() => fs.readFile("/up"), "EACCES");
  });

  it("enforces maxBytes with ENOSPC and keeps the old content", () => {
    const fs = memoryFs({ maxBytes: 100 });
    fs.writeFile("/a", bytes(60));
    expectErrno(() => fs.writeFile("/b", bytes(50)), "ENOSPC");
    fs.writeFile("/a", bytes(100)); // replacing counts the difference only
    expectErrno(() => fs.writeFile("/a", bytes(1), { append: true }), "ENOSPC");
    expect(fs.readFile("/a").byteLength).toBe(100);
    expectErrno(() => fs.truncate("/a", 101), "ENOSPC");
    fs.unlink("/a");
    expect(fs.usedBytes).toBe(0);
    fs.writeFile("/c", bytes(100));
    expect(fs.usedBytes).toBe(100);
  });

  it("counts positional writes far past the end, and link targets", () => {
    const fs = memoryFs({ maxBytes: 1000 });
    const vfs = createVfs({ mounts: { "/tmp": fs } });
    const fd = vfs.open("/tmp/sparse", "w");
    expectErrno(() => vfs.write(fd, bytes(1), 0, 1, 2 ** 40), "ENOSPC");
    expect(vfs.write(fd, bytes(1), 0, 1, 500)).toBe(1);
    expect(vfs.fstat(fd).size).toBe(501);
    vfs.close(fd);
    expectErrno(() => vfs.symlink("x".repeat(600), "/tmp/l"), "ENOSPC");
  });

  it("enforces maxFiles with ENOSPC", () => {
    const fs = memoryFs({ maxFiles: 3 });
    fs.mkdir("/d");
    fs.writeFile("/d/a", "");
    fs.symlink("a", "/d/l");
    expectErrno(() => fs.writeFile("/d/b", ""), "ENOSPC");
    expectErrno(() => fs.mkdir("/e"), "ENOSPC");
    fs.unlink("/d/l");
    fs.writeFile("/d/b", "");
    expect(fs.usedFiles).toBe(3);
  });

  it("keeps an unlinked file's quota until its last descriptor closes", () => {
    const fs = memoryFs({ maxBytes: 10 });
    const vfs = createVfs({ mounts: { "/m": fs } });
    vfs.writeFile("/m/f", bytes(10));
    const fd = vfs.open("/m/f", "r+");
    vfs.unlink("/m/f");
    expectErrno(() => vfs.writeFile("/m/g", bytes(1)), "ENOSPC");
    expect(vfs.read(fd, new Uint8Array(10))).toBe(10);
    expectErrno(() => vfs.write(fd, bytes(1), 0, 1, 10), "ENOSPC");
    vfs.close(fd);
    vfs.writeFile("/m/g", bytes(10));
  });

  it("rejects bad quotas", () => {
    expect(() => memoryFs({ maxBytes: -1 })).toThrow(VfsConfigError);
    expect(() => memoryFs({ maxFiles: 1.5 })).toThrow(VfsConfigError);
  });
});
