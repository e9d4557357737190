const assert = require("node:assert");
const fs = require("node:fs");
const fsp = require("node:fs/promises");
const path = require("node:path");
const dir = fs.mkdtempSync("/tmp/compat-");
const f = path.join(dir, "a.txt");
fs.writeFileSync(f, "hello");
fs.appendFileSync(f, " world");
assert.strictEqual(fs.readFileSync(f, "utf8"), "hello world");
assert.ok(fs.existsSync(f));
assert.ok(!fs.existsSync(path.join(dir, "none")));
const st = fs.statSync(f);
assert.ok(st.isFile() && !st.isDirectory());
assert.strictEqual(st.size, 11);
fs.mkdirSync(path.join(dir, "sub/deep"), { recursive: true });
const ents = fs
  .readdirSync(dir, { withFileTypes: true })
  .map((d) => `${d.name}:${d.isDirectory()}`)
  .sort();
assert.deepStrictEqual(ents, ["a.txt:false", "sub:true"]);
fs.renameSync(f, path.join(dir, "b.txt"));
assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["b.txt", "sub"]);
const missing = path.join(dir, "missing.txt");
assert.throws(
  () => fs.readFileSync(missing),
  (e) =>
    e.code === "ENOENT" &&
    e.errno === -2 &&
    e.syscall === "open" &&
    e.path === missing &&
    e.message === `ENOENT: no such file or directory, open '${missing}'`,
);
assert.throws(() => fs.mkdirSync(path.join(dir, "sub")), { code: "EEXIST" });
assert.throws(() => fs.rmdirSync(path.join(dir, "sub")), { code: "ENOTEMPTY" });
const fd = fs.openSync(path.join(dir, "c.bin"), "w+");
fs.writeSync(fd, Buffer.from("abcdef"));
const buf = Buffer.alloc(3);
assert.strictEqual(fs.readSync(fd, buf, 0, 3, 2), 3);
assert.strictEqual(buf.toString(), "cde");
fs.closeSync(fd);
fs.unlinkSync(path.join(dir, "c.bin"));
fs.accessSync(path.join(dir, "b.txt"), fs.constants.R_OK);
(async () => {
  await fsp.writeFile(path.join(dir, "p.txt"), "promised");
  assert.strictEqual(await fsp.readFile(path.join(dir, "p.txt"), "utf8"), "promised");
  await assert.rejects(fsp.readFile(missing), { code: "ENOENT" });
  const data = await new Promise((res, rej) =>
    fs.readFile(path.join(dir, "p.txt"), "utf8", (e, d) => (e ? rej(e) : res(d))),
  );
  assert.strictEqual(data, "promised");
  const ws = fs.createWriteStream(path.join(dir, "s.txt"));
  ws.write("one,");
  await new Promise((res) => ws.end("two", res));
  let read = "";
  for await (const c of fs.createReadStream(path.join(dir, "s.txt"), { encoding: "utf8" }))
    read += c;
  assert.strictEqual(read, "one,two");
  fs.rmSync(dir, { recursive: true, force: true });
  assert.ok(!fs.existsSync(dir));
  console.log("fs ok");
})();
