const assert = require("node:assert");
const EventEmitter = require("node:events");
const { once } = require("events");
const e = new EventEmitter();
const seen = [];
e.on("a", (x) => seen.push(`on:${x}`));
e.prependListener("a", (x) => seen.push(`pre:${x}`));
e.once("a", (x) => seen.push(`once:${x}`));
assert.strictEqual(e.emit("a", 1), true);
e.emit("a", 2);
assert.deepStrictEqual(seen, ["pre:1", "on:1", "once:1", "pre:2", "on:2"]);
assert.strictEqual(e.listenerCount("a"), 2);
const f = () => seen.push("f");
e.on("b", f);
e.off("b", f);
assert.strictEqual(e.emit("b"), false);
assert.throws(() => e.emit("error", new Error("boom")), /boom/);
assert.throws(() => e.emit("error", "str"), { code: "ERR_UNHANDLED_ERROR" });
assert.deepStrictEqual(e.eventNames(), ["a"]);
class My extends EventEmitter {}
const m = new My();
(async () => {
  setTimeout(() => m.emit("ready", 42, "x"), 1);
  const args = await once(m, "ready");
  assert.deepStrictEqual(args, [42, "x"]);
  setTimeout(() => m.emit("error", new Error("bad")), 1);
  await assert.rejects(once(m, "never"), /bad/);
  console.log("events ok");
})();
