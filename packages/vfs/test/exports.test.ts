import { expect, it } from "vitest";

it("pins the public export list", async () => {
  const mod = await import("../src/index.js");
  expect(Object.keys(mod).sort()).toEqual([
    "ERRNOS",
    "MEMORY_FS_DEFAULTS",
    "NAME_MAX",
    "PATH_MAX",
    "TOOL_DEFAULTS",
    "ToolError",
    "VFS_DEFAULTS",
    "VfsConfigError",
    "VfsDisposedError",
    "VfsError",
    "createTools",
    "createVfs",
    "errors",
    "hostDir",
    "memoryFs",
    "overlayFs",
    "readOnly",
    "resolveSandboxPath",
    "vfsFromDirs",
    "virtualFs",
  ]);
  expect(Object.keys(mod.errors).sort()).toEqual([
    "ERRNOS",
    "ToolError",
    "VfsConfigError",
    "VfsDisposedError",
    "VfsError",
  ]);
});

it("factories return objects tagged with their kind", async () => {
  const { memoryFs, overlayFs, readOnly, virtualFs, createVfs } = await import("../src/index.js");
  const mem = memoryFs();
  expect(mem.kind).toBe("memory");
  expect(overlayFs({ lower: readOnly(memoryFs()), upper: mem }).kind).toBe("overlay");
  expect(readOnly(mem).kind).toBe("readOnly");
  expect(virtualFs({ stat: () => null, list: () => [], read: () => "" }).kind).toBe("virtual");
  expect(createVfs({ mounts: {} }).kind).toBe("vfs");
});

it("VfsError extends AirlockError and serialises without host details", async () => {
  const { AirlockError } = await import("@airlock/config");
  const { VfsError } = await import("../src/index.js");
  const error = new VfsError("ENOENT", "open", "/p/x", {}, { cause: new Error("/home/secret") });
  expect(error).toBeInstanceOf(AirlockError);
  expect(error.name).toBe("VfsError");
  expect(JSON.parse(JSON.stringify(error))).toEqual({
    errno: "ENOENT",
    syscall: "open",
    path: "/p/x",
    message: "ENOENT: no such file or directory, open '/p/x'",
  });
});
