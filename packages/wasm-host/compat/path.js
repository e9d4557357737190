const assert = require("node:assert");
const path = require("path");
assert.strictEqual(path.join("/a/b", "../c", "./d"), "/a/c/d");
assert.strictEqual(path.normalize("a//b/../c/"), "a/c/");
assert.strictEqual(path.resolve("/x", "y", "..", "z"), "/x/z");
assert.strictEqual(path.relative("/a/b/c", "/a/d"), "../../d");
assert.strictEqual(path.dirname("/a/b/"), "/a");
assert.strictEqual(path.basename("/a/b.txt", ".txt"), "b");
assert.strictEqual(path.extname("x/.bashrc"), "");
assert.strictEqual(path.extname("a.tar.gz"), ".gz");
assert.deepStrictEqual(path.parse("/home/u/f.txt"), {
  root: "/",
  dir: "/home/u",
  base: "f.txt",
  ext: ".txt",
  name: "f",
});
assert.strictEqual(path.format({ dir: "/x", name: "f", ext: ".js" }), "/x/f.js");
assert.strictEqual(path.isAbsolute("/a"), true);
assert.strictEqual(path.posix.sep, "/");
assert.throws(() => path.join(1), { code: "ERR_INVALID_ARG_TYPE" });
console.log("path ok");
