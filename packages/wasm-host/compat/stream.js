const assert = require("node:assert");
const { Readable, Writable, Transform, PassThrough, pipeline } = require("node:stream");
const { pipeline: pp } = require("node:stream/promises");
(async () => {
  const chunks = [];
  await pp(
    Readable.from(["a", "b", "c"]),
    new Transform({
      transform(c, e, cb) {
        cb(null, String(c).toUpperCase());
      },
    }),
    new Writable({
      write(c, e, cb) {
        chunks.push(String(c));
        cb();
      },
    }),
  );
  assert.deepStrictEqual(chunks, ["A", "B", "C"]);
  const r = new Readable({ read() {} });
  r.push("x");
  r.push("y");
  r.push(null);
  let all = "";
  for await (const c of r) all += c;
  assert.strictEqual(all, "xy");
  const pt = new PassThrough();
  const got = [];
  pt.on("data", (c) => got.push(c.toString()));
  await new Promise((res) => {
    pt.on("end", res);
    pt.write("1");
    pt.end("2");
  });
  assert.deepStrictEqual(got.join(""), "12");
  let finished = false;
  const w = new Writable({
    write(c, e, cb) {
      cb();
    },
  });
  w.on("finish", () => (finished = true));
  w.end("z");
  await new Promise((res) => w.on("finish", res));
  assert.ok(finished);
  const err = await new Promise((res) =>
    pipeline(
      new Readable({
        read() {
          this.destroy(new Error("src failed"));
        },
      }),
      new PassThrough(),
      (e) => res(e),
    ),
  );
  assert.match(err.message, /src failed/);
  console.log("stream ok");
})();
