const assert = require("node:assert");
const crypto = require("node:crypto");
assert.strictEqual(
  crypto.createHash("sha256").update("abc").digest("hex"),
  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
);
assert.strictEqual(
  crypto.createHash("md5").update("a").update("bc").digest("hex"),
  "900150983cd24fb0d6963f7d28e17f72",
);
assert.strictEqual(
  crypto.createHash("sha1").update(Buffer.from("abc")).digest("base64"),
  "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=",
);
assert.strictEqual(crypto.createHash("sha512").update("").digest().length, 64);
assert.strictEqual(
  crypto
    .createHmac("sha256", "key")
    .update("The quick brown fox jumps over the lazy dog")
    .digest("hex"),
  "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
);
assert.throws(() => crypto.createHash("nope"));
const r = crypto.randomBytes(32);
assert.strictEqual(r.length, 32);
assert.ok(!r.equals(crypto.randomBytes(32)));
assert.match(
  crypto.randomUUID(),
  /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
);
const arr = crypto.getRandomValues(new Uint32Array(4));
assert.ok(arr.some((x) => x !== 0));
assert.ok(crypto.timingSafeEqual(Buffer.from("ab"), Buffer.from("ab")));
assert.ok(!crypto.timingSafeEqual(Buffer.from("ab"), Buffer.from("ac")));
assert.throws(() => crypto.timingSafeEqual(Buffer.from("a"), Buffer.from("ab")), RangeError);
const n = crypto.randomInt(10);
assert.ok(n >= 0 && n < 10);
(async () => {
  const d = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc"));
  assert.strictEqual(
    Buffer.from(d).toString("hex"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.strictEqual(typeof globalThis.crypto.randomUUID(), "string");
  console.log("crypto ok");
})();
