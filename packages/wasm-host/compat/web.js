const assert = require("node:assert");
assert.strictEqual(new TextDecoder().decode(new TextEncoder().encode("€ok")), "€ok");
assert.strictEqual(new TextDecoder("utf-8").decode(new Uint8Array([0xff])), "\ufffd");
assert.throws(
  () => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])),
  TypeError,
);
assert.strictEqual(btoa("hi"), "aGk=");
assert.strictEqual(atob("aGk="), "hi");
assert.throws(() => btoa("€"));
const c = structuredClone({ d: new Date(0), m: new Map([[1, { x: 1 }]]), a: [1, 2] });
assert.strictEqual(c.d.getTime(), 0);
assert.deepStrictEqual(c.m.get(1), { x: 1 });
const cyc = { n: 1 };
cyc.self = cyc;
assert.strictEqual(structuredClone(cyc).self.n, 1);
assert.throws(() => structuredClone({ f() {} }));
const ac = new AbortController();
let fired = 0;
ac.signal.addEventListener("abort", () => fired++);
ac.abort();
ac.abort();
assert.strictEqual(fired, 1);
assert.strictEqual(ac.signal.aborted, true);
assert.strictEqual(ac.signal.reason.name, "AbortError");
assert.throws(() => ac.signal.throwIfAborted(), { name: "AbortError" });
const et = new EventTarget();
let got;
et.addEventListener("ping", (e) => (got = e.type), { once: true });
et.dispatchEvent(new Event("ping"));
assert.strictEqual(got, "ping");
assert.strictEqual(typeof performance.now(), "number");
let order = [];
queueMicrotask(() => order.push("micro"));
process.nextTick(() => order.push("tick"));
(async () => {
  const keep = setTimeout(() => {}, 1000); // AbortSignal.timeout's timer does not keep the loop alive
  const t = AbortSignal.timeout(5);
  await new Promise((r) => t.addEventListener("abort", r));
  assert.strictEqual(t.reason.name, "TimeoutError");
  assert.deepStrictEqual(order, ["tick", "micro"]);
  clearTimeout(keep);
  console.log("web ok");
})();
