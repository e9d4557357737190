import { describe, expect, it } from "vitest";
import { analyze } from "../src/index.js";

const BENIGN: Record<string, string> = {
  math: `
    const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
    const primes = [];
    for (let i = 2; primes.length < 10; i++) if (primes.every((p) => i % p)) primes.push(i);
    console.log(fib(20), Math.max(...primes), Math.sqrt(2).toFixed(3));`,
  json: `
    const data = JSON.parse('{"items":[{"price":2},{"price":3}]}');
    const total = data.items.reduce((sum, item) => sum + item.price, 0);
    console.log(JSON.stringify({ ...data, total }, null, 2));`,
  strings: `
    const title = "hello world".split(" ").map((w) => w[0].toUpperCase() + w.slice(1)).join(" ");
    const slug = title.toLowerCase().replace(/\\s+/g, "-");
    const padded = slug.padStart(20, ".") + \`!\${title.length}\`;
    const letters = "abc".split("").reverse().join("");`,
  classes: `
    class Account {
      #balance = 0;
      static open() { return new Account(); }
      deposit(n) { if (n <= 0) throw new RangeError("positive"); this.#balance += n; return this; }
      get balance() { return this.#balance; }
    }
    class Savings extends Account { constructor() { super(); this.rate = 0.02; } }
    console.log(new Savings().deposit(10).balance, Account.open());`,
  closures: `
    function counter() { let n = 0; return { inc: () => ++n, get: () => n }; }
    const c = counter(); c.inc(); c.inc();
    const memo = new Map();
    const slow = (x) => { if (!memo.has(x)) memo.set(x, x * x); return memo.get(x); };
    export { c, slow };`,
  asyncWork: `
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    async function main() { for (const x of [1, 2, 3]) { await sleep(1); } return Promise.all([1, 2].map(async (v) => v * 2)); }
    main().then(console.log);`,
  typescript: `
    interface Point { x: number; y: number }
    enum Color { Red, Green }
    function dist(a: Point, b: Point): number { return Math.hypot(a.x - b.x, a.y - b.y); }
    const p = { x: 1, y: 2 } as Point;
    export const d: number = dist(p, { x: 0, y: 0 });`,
};

describe("benign programs score none or low", () => {
  for (const [name, code] of Object.entries(BENIGN)) {
    it(name, () => {
      const result = analyze(code, name === "typescript" ? { language: "typescript" } : undefined);
      expect(result.parseError).toBeUndefined();
      expect(["none", "low"]).toContain(result.level);
      expect(result.findings).toEqual([]);
    });
  }

  it("a small web handler using fetch is low, network only", () => {
    const result = analyze(`
      export default async function handler(req) {
        const res = await fetch("https://api.example.com/items?q=" + encodeURIComponent(req.query));
        if (!res.ok) return new Response("upstream failed", { status: 502 });
        return new Response(JSON.stringify(await res.json()), { headers: { "content-type": "application/json" } });
      }`);
    expect(result.level).toBe("low");
    expect(result.findings.map((f) => [f.category, f.rule])).toEqual([["network", "fetch-call"]]);
  });

  it("locals that shadow dangerous globals are not the globals", () => {
    const result = analyze(`
      function run(eval2, require) { return require("child_process"); }
      const process = { env: { TOKEN: 1 } };
      console.log(process.env.TOKEN);
      { const eval_ = (s) => s; eval_("x"); }`);
    expect(result.findings).toEqual([]);
  });
});
