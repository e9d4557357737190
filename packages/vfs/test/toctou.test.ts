// Races a concurrent host process could win between resolution and use, made deterministic by
// swapping paths from inside a patched `fs.openSync` (node:fs named exports are re-synced with
// module.syncBuiltinESMExports, so the package sees the patch).
import * as fs from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createVfs, hostDir, type Vfs } from "../src/index.js";
import { cleanup, expectErrno, makeTree, SECRET, snapshot, text, type Tree } from "./helpers.js";

const cjsFs = createRequire(import.meta.url)("node:fs") as typeof fs;
const realOpenSync = cjsFs.openSync;

let tree: Tree;
let vfs: Vfs;

/** Runs `swap` once, just before the package opens `hostPath`. */
function beforeOpening(hostPath: string, swap: () => void): void {
  let done = false;
  cjsFs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    if (!done && p === hostPath) {
      done = true;
      swap();
    }
    return (realOpenSync as (...args: unknown[]) => number)(p, ...rest);
  }) as typeof fs.openSync;
  syncBuiltinESMExports();
}

beforeEach(() => {
  tree = makeTree();
  vfs = createVfs({ mounts: { "/p": hostDir(tree.root, { read: true, write: true }) } });
});

afterEach(() => {
  cjsFs.openSync = realOpenSync;
  syncBuiltinESMExports();
  vfs.dispose();
  cleanup(tree.base);
});

describe("hostDir: a path swapped between check and open", () => {
  it("a final component replaced by a link is not followed (O_NOFOLLOW)", () => {
    const file = path.join(tree.root, "file.txt");
    beforeOpening(file, () => {
      fs.unlinkSync(file);
      fs.symlinkSync(path.join(tree.outside, "secret.txt"), file);
    });
    expectErrno(() => vfs.readFile("/p/file.txt"), "ELOOP");
  });

  it("a parent directory replaced by a link: the opened file is not the checked one", () => {
    const inner = path.join(tree.root, "sub", "inner.txt");
    fs.writeFileSync(path.join(tree.outside, "inner.txt"), SECRET);
    const outsideBefore = snapshot(tree.outside);
    beforeOpening(inner, () => {
      fs.renameSync(path.join(tree.root, "sub"), path.join(tree.root, "sub-away"));
      fs.symlinkSync(tree.outside, path.join(tree.root, "sub"));
    });
    const error = expectErrno(() => vfs.writeFile("/p/sub/inner.txt", "pwned"), "EACCES");
    expect(error.detail).toBe("the file changed while it was being opened");
    expect(snapshot(tree.outside)).toEqual(outsideBefore);
  });

  it("reading through a swapped parent returns nothing from outside", () => {
    const inner = path.join(tree.root, "sub", "inner.txt");
    fs.writeFileSync(path.join(tree.outside, "inner.txt"), SECRET);
    beforeOpening(inner, () => {
      fs.renameSync(path.join(tree.root, "sub"), path.join(tree.root, "sub-away"));
      fs.symlinkSync(tree.outside, path.join(tree.root, "sub"));
    });
    expectErrno(() => vfs.readFile("/p/sub/inner.txt"), "EACCES");
  });

  it("a file created through a swapped parent is detected (the documented window)", () => {
    const created = path.join(tree.root, "sub", "new.txt");
    beforeOpening(created, () => {
      fs.renameSync(path.join(tree.root, "sub"), path.join(tree.root, "sub-away"));
      fs.symlinkSync(tree.outside, path.join(tree.root, "sub"));
    });
    const error = expectErrno(() => vfs.writeFile("/p/sub/new.txt", "pwned"), "EACCES");
    expect(error.detail).toBe("the directory changed while the file was being created");
    // The window: an empty file was created outside for a moment, and removed again.
    expect(fs.existsSync(path.join(tree.outside, "new.txt"))).toBe(false);
  });

  it("without a race the same calls succeed", () => {
    vfs.writeFile("/p/sub/inner.txt", "ok");
    expect(text(vfs.readFile("/p/sub/inner.txt"))).toBe("ok");
  });
});
