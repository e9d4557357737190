// The guest's fast paths for what every fetch-handler request does: `new URL` of a plain
// http(s) URL (one regex instead of the general parser), UTF-8 conversion of short ASCII text
// without a host call, and header normalisation. Each must give exactly what the slow path
// gives — and Node, where the general parser agrees with it — including at its edges, where
// the input just stops qualifying. Real workers, the public API.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "@airlock/config";
import { afterAll, describe, expect, it } from "vitest";
import { createSandbox, shutdownWorkers } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "airlock-fast-"));

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await shutdownWorkers();
});

/** Runs `code` in a sandbox and returns what it printed, parsed as JSON. */
async function guest<T>(code: string): Promise<T> {
  await using sb = await createSandbox({ limits: { timeoutMs: 10_000 } });
  const r = await sb.run(code, { filename: "fast.js" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe("ok");
  return JSON.parse(r.stdout) as T;
}

const FIELDS = [
  "href",
  "origin",
  "protocol",
  "username",
  "password",
  "host",
  "hostname",
  "port",
  "pathname",
  "search",
  "hash",
] as const;

/** Inside the fast path's bounds (it must take them) and just outside (general parser). */
const URLS = [
  "http://127.0.0.1:8787/hello",
  "http://localhost/",
  "http://localhost",
  "https://api.example.com/v1/items?id=7&sort=desc",
  "https://example.com:443/a",
  "http://example.com:80",
  "http://example.com:8080/a/b/c?",
  "http://a-b.c-d.example/x_y~z/(1)*!$',;=:@/%41?q=%20&r=/?:@",
  "http://10.0.0.255:65535/",
  "http://255.255.255.255/",
  "http://1.2.3.com/x",
  "http://h/a//b///",
  // Just outside: each differs from its neighbour above by what the regex refuses.
  "HTTP://Example.COM/A",
  "http://example.com:0080/",
  "http://127.1/",
  "http://0x7f.0.0.1/",
  "http://010.0.0.1/",
  "http://256.0.0.1/",
  "http://example.com/a/./b/../c",
  "http://example.com/a/%2e%2E/c",
  "http://example.com/.well-known/x",
  "http://example.com/a b",
  "http://example.com/a\\b",
  "http://example.com/é?q=é",
  "http://example.com/a?q='x'",
  "http://example.com/a#frag",
  "http://user:pw@example.com/",
  "http://example.com./x",
  "  http://example.com/trim  ",
  "http:example.com/x",
  "http:///example.com/x",
  "ws://example.com/x",
  "http://[::1]:8080/x",
];

/**
 * Where the guest's general parser differs from WHATWG (and Node): an empty query is dropped
 * from `href`; IPv6 hosts are kept as written (README, "Known gaps"). The fast path keeps the
 * general parser's behaviour there too.
 */
const GENERAL_PARSER_GAPS = new Set(["http://example.com:8080/a/b/c?", "http://[::1]:8080/x"]);

describe("URL fast path", () => {
  it("gives the general parser's result, and Node's, on both sides of its bounds", async () => {
    const seen = await guest<Record<string, [Record<string, string>, Record<string, string>]>>(`
      const fields = ${JSON.stringify(FIELDS)};
      const pick = (make) => {
        try {
          const u = make();
          return Object.fromEntries(fields.map((f) => [f, u[f]]));
        } catch (e) {
          return { error: e.code };
        }
      };
      const out = {};
      for (const u of ${JSON.stringify(URLS)}) {
        // With a base, an absolute URL takes the general parser (the fast path is base-less);
        // a file: base is never "the same scheme", so it cannot turn an input relative.
        out[u] = [pick(() => new URL(u)), pick(() => new URL(u, "file:///dir/"))];
      }
      console.log(JSON.stringify(out));
    `);
    for (const u of URLS) {
      const [fast, general] = seen[u]!;
      expect(fast, u).toEqual(general);
      let ours: Record<string, string>;
      try {
        const node = new URL(u);
        ours = Object.fromEntries(FIELDS.map((f) => [f, node[f]]));
      } catch (e) {
        ours = { error: (e as { code: string }).code };
      }
      // Where the general parser knowingly differs from WHATWG, only the fast/general agreement
      // above is required.
      if (!GENERAL_PARSER_GAPS.has(u)) expect(fast, u).toEqual(ours);
    }
  });

  it("still rejects what the general parser rejects", async () => {
    const bad = [
      "http://example.com:65536/",
      "http://example.com:99999/",
      "http://",
      "http://exa mple.com/",
      "not a url",
    ];
    const seen = await guest<string[]>(`
      console.log(JSON.stringify(${JSON.stringify(bad)}.map((u) => {
        try { new URL(u); return "parsed"; } catch (e) { return e.code; }
      })));
    `);
    expect(seen).toEqual(bad.map(() => "ERR_INVALID_URL"));
  });

  it("percent-encodes in a fresh guest (before anything loaded \`buffer\`)", async () => {
    const seen = await guest<string[]>(`
      console.log(JSON.stringify([new URL("http://example.com/a b?q=é").href]));
    `);
    expect(seen).toEqual([new URL("http://example.com/a b?q=é").href]);
  });

  it("keeps a URL object mutable as before (setters re-parse)", async () => {
    const seen = await guest<string[]>(`
      const u = new URL("http://example.com/a?x=1");
      u.pathname = "/b c";
      u.searchParams.append("y", "2");
      const v = new URL("http://example.com/");
      v.href = "http://other.example:81/z?q";
      console.log(JSON.stringify([u.href, v.href, v.port]));
    `);
    expect(seen).toEqual(["http://example.com/b%20c?x=1&y=2", "http://other.example:81/z?q", "81"]);
  });
});

describe("UTF-8 in the guest for short ASCII", () => {
  const STRINGS = [
    "",
    "hello /hello",
    "\u007f\u0000\t\n",
    "a".repeat(256), // the longest converted in the guest
    "a".repeat(257), // the shortest sent to the host
    "caf\u00e9",
    "\u0080",
    "x".repeat(200) + "\u20ac",
    "\ud83d\ude00 emoji",
    "lone \ud800 surrogate",
  ];

  it("encodes like Node: Buffer, TextEncoder, encodeInto", async () => {
    const seen = await guest<[number[], number[], [number, number, number[]]][]>(`
      console.log(JSON.stringify(${JSON.stringify(STRINGS)}.map((s) => {
        const dest = new Uint8Array(5);
        const r = new TextEncoder().encodeInto(s, dest);
        return [[...Buffer.from(s)], [...new TextEncoder().encode(s)], [r.read, r.written, [...dest]]];
      })));
    `);
    STRINGS.forEach((s, i) => {
      const dest = new Uint8Array(5);
      const r = new TextEncoder().encodeInto(s, dest);
      expect(seen[i], JSON.stringify(s)).toEqual([
        [...Buffer.from(s)],
        [...new TextEncoder().encode(s)],
        [r.read, r.written, [...dest]],
      ]);
    });
  });

  it("decodes like Node, including invalid bytes, a BOM and the fatal mode", async () => {
    const BYTES = [
      [],
      [104, 105],
      [0, 127],
      Array(256).fill(97),
      Array(257).fill(97),
      [0x80],
      [0xef, 0xbb, 0xbf, 104, 105],
      [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 104],
      [104, 0xc3, 0xa9],
      [0xff, 0xfe, 0x41],
    ];
    const seen = await guest<[string, string, string][]>(`
      console.log(JSON.stringify(${JSON.stringify(BYTES)}.map((b) => {
        const u = new Uint8Array(b);
        let fatal;
        try { fatal = new TextDecoder("utf-8", { fatal: true }).decode(u); } catch (e) { fatal = e.code; }
        return [Buffer.from(u).toString(), new TextDecoder().decode(u), fatal];
      })));
    `);
    BYTES.forEach((b, i) => {
      const u = new Uint8Array(b);
      let fatal: string;
      try {
        fatal = new TextDecoder("utf-8", { fatal: true }).decode(u);
      } catch (e) {
        fatal = (e as { code: string }).code;
      }
      expect(seen[i], JSON.stringify(b)).toEqual([
        Buffer.from(u).toString(),
        new TextDecoder().decode(u),
        fatal,
      ]);
    });
  });
});

describe("header normalisation", () => {
  it("trims only surrounding HTTP whitespace and iterates in sorted order", async () => {
    const seen = await guest<unknown>(`
      const h = new Headers([["X-B", " two "], ["x-a", "one"], ["X-C", "\\tin  side\\r\\n"], ["x-e", ""]]);
      h.append("x-a", "uno");
      const each = [];
      h.forEach((v, k) => each.push([k, v]));
      let bad;
      try { h.set("bad name", "x"); } catch (e) { bad = e instanceof TypeError; }
      console.log(JSON.stringify({ each, entries: [...h], b: h.get("x-b"), bad }));
    `);
    const h = new Headers([
      ["X-B", " two "],
      ["x-a", "one"],
      ["X-C", "\tin  side\r\n"],
      ["x-e", ""],
    ]);
    h.append("x-a", "uno");
    const each: [string, string][] = [];
    h.forEach((v, k) => each.push([k, v]));
    expect(seen).toEqual({ each, entries: [...h], b: h.get("x-b"), bad: true });
  });
});

describe("byte order marks", () => {
  it("Buffer keeps a BOM, TextDecoder strips one, require strips it from sources", async () => {
    const bom = "\ufeff";
    writeFileSync(join(dir, "data.json"), `${bom}{"k": 1}`);
    writeFileSync(join(dir, "lib.js"), `${bom}module.exports = 2;`);
    await using sb = await createSandbox({
      config: resolveConfig({ dirs: [{ path: dir, read: true, write: false }] }),
    });
    const r = await sb.run(
      `const b = new Uint8Array([0xef, 0xbb, 0xbf, 0x68]);
      console.log(JSON.stringify([
        Buffer.from(b).toString().length,
        new TextDecoder().decode(b),
        new TextDecoder("utf-8", { ignoreBOM: true }).decode(b).length,
        require(${JSON.stringify(join(dir, "data.json"))}).k,
        require(${JSON.stringify(join(dir, "lib.js"))}),
        require("fs").readFileSync(${JSON.stringify(join(dir, "lib.js"))}, "utf8").charCodeAt(0),
      ]));`,
      { filename: "bom.js" },
    );
    expect(r.stderr).toBe("");
    const b = new Uint8Array([0xef, 0xbb, 0xbf, 0x68]);
    expect(JSON.parse(r.stdout)).toEqual([
      Buffer.from(b).toString().length,
      new TextDecoder().decode(b),
      new TextDecoder("utf-8", { ignoreBOM: true }).decode(b).length,
      1,
      2,
      0xfeff,
    ]);
  });
});
