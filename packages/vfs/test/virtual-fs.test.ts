import { describe, expect, it } from "vitest";
import {
  createVfs,
  readOnly,
  memoryFs,
  virtualFs,
  VfsConfigError,
  VfsError,
} from "../src/index.js";
import { expectErrno, text } from "./helpers.js";

function sample() {
  const files = new Map<string, string>([
    ["/status.json", '{"ok":true}'],
    ["/logs/today.txt", "line 1\nline 2\n"],
  ]);
  const written: [string, string, boolean][] = [];
  const fs = virtualFs({
    stat: (path) => {
      if (path === "/" || path === "/logs") return { type: "dir" };
      if (path === "/latest") return { type: "symlink" };
      const content = files.get(path);
      return content === undefined ? null : { type: "file", size: content.length };
    },
    list: (path) =>
      path === "/" ? ["status.json", "logs", "latest"] : path === "/logs" ? ["today.txt"] : [],
    read: (path) => files.get(path) ?? "",
    readlink: () => "logs/today.txt",
    write: (path, data, { append }) => {
      const value = new TextDecoder().decode(data);
      files.set(path, append ? (files.get(path) ?? "") + value : value);
      written.push([path, value, append]);
    },
  });
  return { fs, files, written };
}

describe("virtualFs", () => {
  it("serves callbacks as files, links resolved", () => {
    const { fs } = sample();
    const vfs = createVfs({ mounts: { "/v": fs } });
    expect(fs.kind).toBe("virtual");
    expect(vfs.readdir("/v")).toEqual(["status.json", "logs", "latest"]);
    expect(vfs.readdir("/v", { withFileTypes: true })[2]).toEqual({
      name: "latest",
      type: "symlink",
    });
    expect(text(vfs.readFile("/v/latest"))).toBe("line 1\nline 2\n");
    expect(vfs.stat("/v/status.json")).toMatchObject({ type: "file", size: 11 });
    expect(vfs.readlink("/v/latest")).toBe("logs/today.txt");
    expectErrno(() => vfs.readFile("/v/missing"), "ENOENT");
    expectErrno(() => vfs.readFile("/v/logs"), "EISDIR");
  });

  it("writes through the write callback, positional writes on close", () => {
    const { fs, files, written } = sample();
    const vfs = createVfs({ mounts: { "/v": fs } });
    vfs.writeFile("/v/status.json", "{}");
    vfs.writeFile("/v/logs/today.txt", "line 3\n", { append: true });
    expect(files.get("/v/logs/today.txt")).toBeUndefined();
    expect(files.get("/logs/today.txt")).toBe("line 1\nline 2\nline 3\n");
    const fd = vfs.open("/v/status.json", "r+");
    vfs.write(fd, new TextEncoder().encode("[]"), 0, 2, 0);
    expect(files.get("/status.json")).toBe("{}");
    vfs.close(fd);
    expect(files.get("/status.json")).toBe("[]");
    expect(written.map(([p]) => p)).toEqual(["/status.json", "/logs/today.txt", "/status.json"]);
    vfs.truncate("/v/status.json", 1);
    expect(files.get("/status.json")).toBe("[");
    vfs.truncate("/v/status.json", 3);
    expect(files.get("/status.json")).toBe("[\0\0");
  });

  it("is read-only without a write callback (EROFS)", () => {
    const fs = virtualFs({
      stat: (p) => (p === "/" ? { type: "dir" } : null),
      list: () => [],
      read: () => "",
    });
    const vfs = createVfs({ mounts: { "/v": fs } });
    expectErrno(() => vfs.writeFile("/v/x", "y"), "EROFS");
    expectErrno(() => vfs.mkdir("/v/d"), "EROFS");
    expect(vfs.stat("/v").mode & 0o222).toBe(0);
  });

  it("turns a callback that throws into EIO without leaking its message or stack", () => {
    const hostSecret = "/home/alice/.ssh/id_ed25519";
    const boom = () => {
      throw new Error(`cannot open ${hostSecret}`);
    };
    const fs = virtualFs({
      stat: (p) => (p === "/" ? { type: "dir" } : p === "/bad-stat" ? boom() : { type: "file" }),
      list: boom,
      read: boom,
      write: boom,
    });
    const vfs = createVfs({ mounts: { "/v": fs } });
    for (const call of [
      () => vfs.readFile("/v/file"),
      () => vfs.stat("/v/bad-stat"),
      () => vfs.readdir("/v"),
      () => vfs.writeFile("/v/file", "x"),
    ]) {
      const error = expectErrno(call, "EIO");
      expect(error.message).not.toContain("alice");
      expect(error.stack ?? "").not.toContain("alice");
      expect(JSON.stringify(error)).not.toContain("alice");
      expect(Object.keys(error)).not.toContain("cause");
    }
    expect(vfs.exists("/v/bad-stat")).toBe(false);
  });

  it("passes a VfsError thrown by a callback through", () => {
    const fs = virtualFs({
      stat: (p) => (p === "/" ? { type: "dir" } : { type: "file" }),
      list: () => [],
      read: () => {
        throw new VfsError("EACCES", "open", "/x", { detail: "quota" });
      },
    });
    const vfs = createVfs({ mounts: { "/v": fs } });
    const error = expectErrno(() => vfs.readFile("/v/x"), "EACCES");
    expect(error.path).toBe("/v/x");
  });

  it("treats invalid callback results as EIO", () => {
    const fs = virtualFs({
      stat: (p) => (p === "/" ? { type: "dir" } : ({ type: "fifo" } as never)),
      list: () => ["ok", "../escape"],
      read: () => 42 as never,
    });
    const vfs = createVfs({ mounts: { "/v": fs } });
    expectErrno(() => vfs.stat("/v/x"), "EIO");
    expectErrno(() => vfs.readdir("/v"), "EIO");
  });

  it("needs stat, list and read", () => {
    expect(() => virtualFs({ stat: () => null } as never)).toThrow(VfsConfigError);
  });
});

describe("readOnly", () => {
  it("refuses every write with EROFS and passes reads through", () => {
    const inner = memoryFs();
    inner.mkdir("/d");
    inner.writeFile("/d/f", "content");
    const fs = readOnly(inner);
    expect(fs.kind).toBe("readOnly");
    expect(readOnly(fs)).toBe(fs);
    const vfs = createVfs({ mounts: { "/r": fs } });
    expect(text(vfs.readFile("/r/d/f"))).toBe("content");
    expect(vfs.readdir("/r/d")).toEqual(["f"]);
    const fd = vfs.open("/r/d/f");
    expect(vfs.read(fd, new Uint8Array(3))).toBe(3);
    vfs.close(fd);
    expectErrno(() => vfs.writeFile("/r/d/f", "x"), "EROFS");
    expectErrno(() => vfs.writeFile("/r/new", "x"), "EROFS");
    expectErrno(() => vfs.open("/r/d/f", "r+"), "EROFS");
    expectErrno(() => vfs.open("/r/d/f", "a"), "EROFS");
    expectErrno(() => vfs.unlink("/r/d/f"), "EROFS");
    expectErrno(() => vfs.rm("/r/d", { recursive: true }), "EROFS");
    expectErrno(() => vfs.rmdir("/r/d"), "EROFS");
    expectErrno(() => vfs.rename("/r/d/f", "/r/g"), "EROFS");
    expectErrno(() => vfs.symlink("d", "/r/l"), "EROFS");
    expectErrno(() => vfs.truncate("/r/d/f"), "EROFS");
    expectErrno(() => vfs.mkdir("/r/e"), "EROFS");
    expectErrno(() => vfs.mkdir("/r/d"), "EEXIST");
    vfs.mkdir("/r/d", { recursive: true });
    expect(text(inner.readFile("/d/f"))).toBe("content");
  });
});
