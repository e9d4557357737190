import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createTools,
  createVfs,
  hostDir,
  memoryFs,
  ToolError,
  type Tools,
  type Vfs,
} from "../src/index.js";
import { cleanup, expectErrno, makeTree, text, type Tree } from "./helpers.js";

let tree: Tree;
let vfs: Vfs;
let tools: Tools;

beforeEach(() => {
  tree = makeTree();
  vfs = createVfs({
    mounts: { "/project": hostDir(tree.root, { read: true, write: true }), "/tmp": memoryFs() },
    cwd: "/project",
  });
  vfs.writeFile(
    "/project/lines.txt",
    Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n") + "\n",
  );
  tools = createTools(vfs);
});

afterEach(() => {
  vfs.dispose();
  cleanup(tree.base);
});

function toolError(fn: () => unknown, reason: ToolError["reason"]): ToolError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ToolError);
  expect((thrown as ToolError).reason).toBe(reason);
  expect((thrown as ToolError).code).toBe("AIRLOCK_VFS_TOOL");
  return thrown as ToolError;
}

describe("read", () => {
  it("returns lines with the total count", () => {
    expect(tools.read({ path: "lines.txt", offset: 3, limit: 2 })).toEqual({
      path: "/project/lines.txt",
      text: "line 3\nline 4",
      totalLines: 10,
      startLine: 3,
      endLine: 4,
      truncated: true,
    });
    const all = tools.read({ path: "/project/lines.txt" });
    expect(all.totalLines).toBe(10);
    expect(all.truncated).toBe(false);
    expect(all.text.split("\n")).toHaveLength(10);
    expect(tools.read({ path: "lines.txt", offset: 11 })).toMatchObject({
      text: "",
      endLine: 10,
      truncated: false,
    });
    vfs.writeFile("/tmp/empty", "");
    expect(tools.read({ path: "/tmp/empty" }).totalLines).toBe(0);
  });

  it("refuses bad arguments, binary files and what the Vfs refuses", () => {
    toolError(() => tools.read({ path: "lines.txt", offset: 0 }), "INVALID_ARGUMENT");
    toolError(() => tools.read({ path: "lines.txt", limit: 1.5 }), "INVALID_ARGUMENT");
    toolError(() => tools.read({ path: 42 as never }), "INVALID_ARGUMENT");
    vfs.writeFile("/tmp/bin", new Uint8Array([0x89, 0x50, 0, 1]));
    toolError(() => tools.read({ path: "/tmp/bin" }), "NOT_TEXT");
    expectErrno(() => tools.read({ path: "link-out" }), "EACCES");
    expectErrno(() => tools.read({ path: "../outside/secret.txt" }), "ENOENT");
  });
});

describe("write and patch", () => {
  it("writes, creating parent directories", () => {
    expect(tools.write({ path: "new/dir/file.ts", content: "const a = 1;\n" })).toEqual({
      path: "/project/new/dir/file.ts",
      bytes: 13,
    });
    expect(fs.readFileSync(path.join(tree.root, "new", "dir", "file.ts"), "utf8")).toBe(
      "const a = 1;\n",
    );
    expectErrno(() => tools.write({ path: "link-dir-out/x.txt", content: "x" }), "EACCES");
  });

  it("applies every edit or none", () => {
    vfs.writeFile("/project/code.ts", "let a = 1;\nlet b = 2;\nlet c = a + b;\n");
    expect(
      tools.patch({
        path: "code.ts",
        edits: [
          { oldText: "let a = 1;", newText: "let a = 10;" },
          { oldText: "let c = a + b;", newText: "const c = a + b; // $& $1" },
        ],
      }),
    ).toEqual({ path: "/project/code.ts", edits: 2 });
    expect(text(vfs.readFile("code.ts"))).toBe(
      "let a = 10;\nlet b = 2;\nconst c = a + b; // $& $1\n",
    );

    const before = text(vfs.readFile("code.ts"));
    const error = toolError(
      () =>
        tools.patch({
          path: "code.ts",
          edits: [
            { oldText: "let b = 2;", newText: "let b = 3;" },
            { oldText: "missing", newText: "x" },
          ],
        }),
      "NO_MATCH",
    );
    expect(error.message).toContain("edits[1]");
    expect(text(vfs.readFile("code.ts"))).toBe(before);
    toolError(
      () => tools.patch({ path: "code.ts", edits: [{ oldText: "let", newText: "var" }] }),
      "MULTIPLE_MATCHES",
    );
    vfs.writeFile("/tmp/aaa", "aaa");
    toolError(
      () => tools.patch({ path: "/tmp/aaa", edits: [{ oldText: "aa", newText: "b" }] }),
      "MULTIPLE_MATCHES",
    );
    toolError(
      () => tools.patch({ path: "code.ts", edits: [{ oldText: "", newText: "x" }] }),
      "EMPTY_OLD_TEXT",
    );
    toolError(() => tools.patch({ path: "code.ts", edits: [] }), "INVALID_ARGUMENT");
    expect(text(vfs.readFile("code.ts"))).toBe(before);
  });
});

describe("list, stat, grep", () => {
  it("lists, recursively without following links, bounded", () => {
    const top = tools.list({ path: "." });
    expect(top.entries).toContainEqual({ path: "sub", type: "dir" });
    expect(top.entries).toContainEqual({ path: "link-dir-out", type: "symlink" });
    expect(top.entries.map((e) => e.path)).not.toContain("fifo");
    const all = tools.list({ path: "/project", recursive: true });
    expect(all.entries).toContainEqual({ path: "sub/inner.txt", type: "file" });
    expect(all.entries.some((e) => e.path.startsWith("link-dir-out/"))).toBe(false);
    const small = createTools(vfs, { maxListEntries: 2 }).list({
      path: "/project",
      recursive: true,
    });
    expect(small.entries).toHaveLength(2);
    expect(small.truncated).toBe(true);
  });

  it("stats", () => {
    expect(tools.stat({ path: "sub" })).toMatchObject({ path: "/project/sub", type: "dir" });
  });

  it("greps with a regex and a glob, bounded", () => {
    vfs.writeFile("/project/sub/code.ts", "export const x = 1;\n// TODO: fix\n");
    vfs.writeFile("/project/notes.md", "TODO: write docs\n");
    const all = tools.grep({ pattern: "TODO", path: "." });
    expect(all.matches.map((m) => m.path).sort()).toEqual([
      "/project/notes.md",
      "/project/sub/code.ts",
    ]);
    expect(all.matches.find((m) => m.path.endsWith("code.ts"))).toEqual({
      path: "/project/sub/code.ts",
      line: 2,
      text: "// TODO: fix",
    });
    expect(
      tools.grep({ pattern: "todo", path: ".", glob: "*.ts", ignoreCase: true }).matches,
    ).toHaveLength(1);
    expect(
      tools.grep({ pattern: "TODO", path: ".", glob: "sub/**/*.{ts,js}" }).matches,
    ).toHaveLength(1);
    expect(tools.grep({ pattern: "TODO", path: ".", glob: "*.py" }).matches).toHaveLength(0);
    const capped = tools.grep({ pattern: "line", path: "lines.txt", maxResults: 3 });
    expect(capped.matches).toHaveLength(3);
    expect(capped.truncated).toBe(true);
    // Nothing outside is searched: the secret behind link-dir-out never shows up.
    expect(tools.grep({ pattern: "SECRET", path: "/project" }).matches).toEqual([]);
  });

  it("turns bad patterns into typed errors", () => {
    const error = toolError(
      () => tools.grep({ pattern: "(unclosed", path: "." }),
      "INVALID_PATTERN",
    );
    expect(error.message).toContain("(unclosed");
    toolError(() => tools.grep({ pattern: "x", path: ".", glob: "[z-a]" }), "INVALID_PATTERN");
    toolError(() => tools.grep({ pattern: "x", path: ".", maxResults: 0 }), "INVALID_ARGUMENT");
  });
});
