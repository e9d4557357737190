import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  FetchLimits,
  FetchRequest,
  LookupFunction,
  NetPolicy,
  NetPolicyOptions,
} from "../src/index.js";
import {
  EgressDeniedError,
  EgressLimitError,
  FetchFailedError,
  FetchRequestError,
  FetchTimeoutError,
  ResponseTooLargeError,
  TooManyRedirectsError,
  createNetPolicy,
  secureFetch,
} from "../src/index.js";
import type { TestServer } from "./helpers.js";
import { startServer } from "./helpers.js";

const limits: FetchLimits = { timeoutMs: 5000, maxResponseBytes: 1 << 20 };
const enc = new TextEncoder();
const dec = new TextDecoder();

const policy = (options: Partial<NetPolicyOptions>) =>
  createNetPolicy({ allowedUrls: [], blockedUrls: [], ...options });

const get = (url: string, headers: [string, string][] = []): FetchRequest => ({
  url,
  method: "GET",
  headers,
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );

/** Server A: echoes requests, redirects on /redirect?to=…&status=…, streams on /big, stalls on /stall. */
let a: TestServer;
/** Server B: a second origin that must never be reached in deny tests. */
let b: TestServer;
let held: (() => void)[] = [];

beforeAll(async () => {
  a = await startServer((req, res, body) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname.startsWith("/redirect")) {
      res.writeHead(Number(url.searchParams.get("status") ?? 302), {
        location: url.searchParams.get("to") ?? "/",
      });
      res.end("redirect body");
    } else if (url.pathname === "/loop") {
      res.writeHead(302, { location: "/loop" }).end();
    } else if (url.pathname === "/big") {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = Buffer.alloc(16 * 1024, 120);
      let sent = 0;
      const pump = (): void => {
        while (sent < 64 && res.write(chunk)) sent++;
        if (sent < 64) res.once("drain", pump);
        else res.end();
      };
      pump();
    } else if (url.pathname === "/declared") {
      res.writeHead(200, { "content-length": String(10 * 1024 * 1024) });
      res.write("partial");
    } else if (url.pathname === "/exact") {
      res.end(Buffer.alloc(1000, 97));
    } else if (url.pathname === "/stall") {
      res.writeHead(200);
      res.write("first byte"); // then nothing
    } else if (url.pathname === "/hold") {
      held.push(() => res.end("released"));
    } else {
      res.setHeader("x-reply", "yes");
      res.setHeader("set-cookie", ["a=1", "b=2"]);
      res.setHeader("keep-alive", "timeout=5");
      res.setHeader("connection", "close, x-hop");
      res.setHeader("x-hop", "connection-specific");
      res.end(
        JSON.stringify({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: body.toString("utf8"),
        }),
      );
    }
  });
  b = await startServer((_req, res) => res.end("server b"));
});

afterAll(async () => {
  await a.close();
  await b.close();
});

const onlyA = (extra: Partial<NetPolicyOptions> = {}): NetPolicy =>
  policy({ allowedUrls: [`http://127.0.0.1:${a.port}/**`], ...extra });

describe("allowed requests", () => {
  it("round-trips method, headers and body", async () => {
    const res = await secureFetch(
      onlyA(),
      {
        url: `${a.origin}/echo?q=1`,
        method: "put",
        headers: [
          ["X-Custom", "hello"],
          ["content-type", "text/plain"],
          ["Host", "evil.example.com"],
          ["Connection", "x-secret"],
          ["x-secret", "hop-only"],
          ["transfer-encoding", "chunked"],
        ],
        body: enc.encode("payload ✓"),
      },
      limits,
    );
    expect(res.status).toBe(200);
    expect(res.statusText).toBe("OK");
    expect(res.redirected).toBe(false);
    expect(res.url).toBe(`${a.origin}/echo?q=1`);
    const echo = JSON.parse(dec.decode(res.body));
    expect(echo.method).toBe("PUT");
    expect(echo.url).toBe("/echo?q=1");
    expect(echo.body).toBe("payload ✓");
    expect(echo.headers["x-custom"]).toBe("hello");
    expect(echo.headers["content-type"]).toBe("text/plain");
    expect(echo.headers["content-length"]).toBe(String(enc.encode("payload ✓").byteLength));
    // The executor owns Host (no virtual-host smuggling) and hop-by-hop headers.
    expect(echo.headers.host).toBe(`127.0.0.1:${a.port}`);
    expect(echo.headers["x-secret"]).toBeUndefined();
    expect(echo.headers["transfer-encoding"]).toBeUndefined();
    // Response: hop-by-hop headers stripped, repeated headers kept.
    const names = res.headers.map(([name]) => name);
    expect(res.headers).toContainEqual(["x-reply", "yes"]);
    expect(res.headers.filter(([name]) => name === "set-cookie")).toEqual([
      ["set-cookie", "a=1"],
      ["set-cookie", "b=2"],
    ]);
    expect(names).not.toContain("connection");
    expect(names).not.toContain("keep-alive");
    expect(names).not.toContain("x-hop");
    expect(res.body).toBeInstanceOf(Uint8Array);
  });

  it("accepts a response of exactly maxResponseBytes", async () => {
    const res = await secureFetch(onlyA(), get(`${a.origin}/exact`), {
      ...limits,
      maxResponseBytes: 1000,
    });
    expect(res.body.byteLength).toBe(1000);
  });

  it.each([
    ["decimal", "2130706433"],
    ["hex", "0x7f.1"],
    ["octal", "017700000001"],
    ["short", "127.1"],
  ])("reaches 127.0.0.1 written in %s form when 127.0.0.1 is named", async (_form, host) => {
    const res = await secureFetch(onlyA(), get(`http://${host}:${a.port}/ip`), limits);
    expect(JSON.parse(dec.decode(res.body)).url).toBe("/ip");
  });

  it("reaches localhost aliases when localhost is named", async () => {
    const p = policy({ allowedUrls: [`http://localhost:${a.port}/**`] });
    const lookup: LookupFunction = async () => [{ address: "127.0.0.1", family: 4 }];
    for (const host of ["localhost", "LOCALHOST", "localhost."]) {
      const res = await secureFetch(p, get(`http://${host}:${a.port}/alias`), {
        ...limits,
        lookup,
      });
      expect(res.status, host).toBe(200);
    }
  });

  it("reaches [::1] when it is named", async () => {
    const v6 = createServer((_req, res) => res.end("v6"));
    v6.listen(0, "::1");
    await once(v6, "listening");
    const { port } = v6.address() as AddressInfo;
    try {
      const res = await secureFetch(
        policy({ allowedUrls: [`http://[::1]:${port}/**`] }),
        get(`http://[::1]:${port}/`),
        limits,
      );
      expect(dec.decode(res.body)).toBe("v6");
      const denied = await failure(
        secureFetch(policy({ allowedUrls: ["*"] }), get(`http://[::1]:${port}/`), limits),
      );
      expect(denied).toMatchObject({ decision: { rule: "loopback ::1/128" } });
    } finally {
      v6.close();
    }
  });
});

describe("denied requests", () => {
  const seenBefore = () => a.seen.length + b.seen.length;

  async function expectDenied(
    p: NetPolicy,
    url: string,
    rule: string | RegExp,
    extra: Partial<FetchLimits> = {},
  ) {
    const before = seenBefore();
    const error = await failure(secureFetch(p, get(url), { ...limits, ...extra }));
    expect(error).toBeInstanceOf(EgressDeniedError);
    const denied = error as EgressDeniedError;
    expect(denied.code).toBe("AIRLOCK_EGRESS_DENIED");
    expect(denied.decision.allowed).toBe(false);
    if (typeof rule === "string") expect(denied.decision.rule).toBe(rule);
    else expect(denied.decision.rule).toMatch(rule);
    expect(seenBefore(), "no request may reach a server").toBe(before);
    return denied;
  }

  it("denies a host that no rule allows", async () => {
    const denied = await expectDenied(onlyA(), `${b.origin}/`, "default-deny");
    expect(denied.message).toContain(`127.0.0.1:${b.port}`);
  });

  it("blocked wins over allowed", async () => {
    const p = onlyA({ blockedUrls: [`http://127.0.0.1:${a.port}/secret/**`] });
    await expectDenied(
      p,
      `${a.origin}/secret/x`,
      `blockedUrls[0] "http://127.0.0.1:${a.port}/secret/**"`,
    );
    expect((await secureFetch(p, get(`${a.origin}/public`), limits)).status).toBe(200);
  });

  it("refuses user@host tricks: the real host is 127.0.0.1", async () => {
    const p = policy({ allowedUrls: ["http://allowed.com/**"] });
    await expectDenied(p, `http://allowed.com@127.0.0.1:${a.port}/`, "default-deny");
    await expectDenied(p, `http://allowed.com:80@127.0.0.1:${a.port}/`, "default-deny");
    await expectDenied(onlyA(), `http://user:pw@127.0.0.1:${a.port}/`, "credentials-in-url");
  });

  it.each([
    ["decimal", "2130706433"],
    ["hex", "0x7f.1"],
    ["octal", "017700000001"],
    ["short", "127.1"],
    ["dotted", "127.0.0.1"],
  ])("refuses 127.0.0.1 in %s form under a wildcard rule", async (_form, host) => {
    await expectDenied(
      policy({ allowedUrls: ["*"] }),
      `http://${host}:${a.port}/`,
      "loopback 127.0.0.0/8",
    );
  });

  it("refuses IPv6 spellings of loopback", async () => {
    const p = policy({ allowedUrls: ["*", `http://127.0.0.1:${a.port}/**`] });
    await expectDenied(p, `http://[::1]:${a.port}/`, "loopback ::1/128");
    await expectDenied(p, `http://[::ffff:127.0.0.1]:${a.port}/`, "ipv4-mapped ::ffff:0:0/96");
    await expectDenied(p, `http://[::ffff:7f00:1]:${a.port}/`, "ipv4-mapped ::ffff:0:0/96");
    await expectDenied(p, `http://[::127.0.0.1]:${a.port}/`, "ipv4-compatible ::/96");
    await expectDenied(p, `http://[64:ff9b::127.0.0.1]:${a.port}/`, "nat64 64:ff9b::/96");
  });

  it("refuses localhost aliases under a wildcard rule", async () => {
    const p = policy({ allowedUrls: ["*"] });
    await expectDenied(p, `http://localhost:${a.port}/`, "loopback localhost");
    await expectDenied(p, `http://localhost.:${a.port}/`, "loopback localhost");
    await expectDenied(p, `http://LOCALHOST:${a.port}/`, "loopback localhost");
    await expectDenied(p, `http://0:${a.port}/`, "unspecified 0.0.0.0/8");
  });

  it("refuses the cloud metadata service, by address or by name", async () => {
    const p = policy({ allowedUrls: ["*"] });
    await expectDenied(
      p,
      "http://169.254.169.254/latest/meta-data/",
      "metadata 169.254.169.254/32",
    );
    await expectDenied(
      p,
      "http://metadata.google.internal/computeMetadata/v1/",
      "metadata metadata.google.internal",
    );
    await expectDenied(p, "http://[fd00:ec2::254]/", "metadata fd00:ec2::254/128");
    const lookup: LookupFunction = async () => [{ address: "169.254.169.254", family: 4 }];
    await expectDenied(p, "http://innocent.example/", "metadata 169.254.169.254/32", { lookup });
  });

  it("refuses a public name that resolves to loopback", async () => {
    const lookup: LookupFunction = async () => [{ address: "127.0.0.1", family: 4 }];
    await expectDenied(
      policy({ allowedUrls: ["*"] }),
      `http://evil.example:${a.port}/`,
      "loopback 127.0.0.0/8",
      {
        lookup,
      },
    );
  });

  it("refuses non-http schemes", async () => {
    await expectDenied(policy({ allowedUrls: ["*"] }), "file:///etc/passwd", "scheme");
  });
});

describe("redirects", () => {
  const redirect = (to: string, status = 302) =>
    `${a.origin}/redirect?status=${status}&to=${encodeURIComponent(to)}`;

  it("follows allowed redirects and reports the final URL", async () => {
    const res = await secureFetch(onlyA(), get(redirect("/landed")), limits);
    expect(res.redirected).toBe(true);
    expect(res.url).toBe(`${a.origin}/landed`);
    expect(JSON.parse(dec.decode(res.body)).url).toBe("/landed");
  });

  it("never follows a redirect to a denied URL", async () => {
    const hits = b.seen.length;
    const error = await failure(secureFetch(onlyA(), get(redirect(`${b.origin}/stolen`)), limits));
    expect(error).toBeInstanceOf(EgressDeniedError);
    expect(error).toMatchObject({ url: `${b.origin}/stolen`, decision: { rule: "default-deny" } });
    expect(b.seen.length).toBe(hits);
  });

  it("refuses a redirect to loopback when only a public pattern covers it", async () => {
    // The start URL is granted by name; the redirect targets only match "*".
    const p = policy({ allowedUrls: [`http://127.0.0.1:${a.port}/redirect`, "*"] });
    const hits = b.seen.length;
    for (const [to, rule] of [
      [`http://127.0.0.1:${b.port}/`, "loopback 127.0.0.0/8"],
      [`http://localhost:${b.port}/`, "loopback localhost"],
      [`http://2130706433:${b.port}/`, "loopback 127.0.0.0/8"],
      [`http://[::ffff:127.0.0.1]:${b.port}/`, "ipv4-mapped ::ffff:0:0/96"],
      ["http://169.254.169.254/latest/meta-data/", "metadata 169.254.169.254/32"],
      ["file:///etc/passwd", "scheme"],
    ] as const) {
      const error = await failure(secureFetch(p, get(redirect(to)), limits));
      expect(error, to).toBeInstanceOf(EgressDeniedError);
      expect((error as EgressDeniedError).decision.rule, to).toBe(rule);
    }
    expect(b.seen.length).toBe(hits);
  });

  it("applies the fetch method and body rules for 301/302/303 and keeps them for 307/308", async () => {
    const post = (url: string): FetchRequest => ({
      url,
      method: "POST",
      headers: [["content-type", "text/plain"]],
      body: enc.encode("data"),
    });
    for (const status of [301, 302, 303]) {
      const echo = JSON.parse(
        dec.decode((await secureFetch(onlyA(), post(redirect("/after", status)), limits)).body),
      );
      expect(echo.method, String(status)).toBe("GET");
      expect(echo.body).toBe("");
      expect(echo.headers["content-type"]).toBeUndefined();
    }
    for (const status of [307, 308]) {
      const echo = JSON.parse(
        dec.decode((await secureFetch(onlyA(), post(redirect("/after", status)), limits)).body),
      );
      expect(echo.method, String(status)).toBe("POST");
      expect(echo.body).toBe("data");
    }
    const put: FetchRequest = {
      url: redirect("/after", 302),
      method: "PUT",
      headers: [],
      body: enc.encode("x"),
    };
    expect(JSON.parse(dec.decode((await secureFetch(onlyA(), put, limits)).body)).method).toBe(
      "PUT",
    );
  });

  it("drops credentials on a cross-origin redirect", async () => {
    const p = policy({
      allowedUrls: [`http://127.0.0.1:${a.port}/**`, `http://localhost:${a.port}/**`],
    });
    const lookup: LookupFunction = async () => [{ address: "127.0.0.1", family: 4 }];
    const res = await secureFetch(
      p,
      get(redirect(`http://localhost:${a.port}/other`), [
        ["authorization", "Bearer secret"],
        ["cookie", "s=1"],
        ["x-keep", "1"],
      ]),
      { ...limits, lookup },
    );
    const echo = JSON.parse(dec.decode(res.body));
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers.cookie).toBeUndefined();
    expect(echo.headers["x-keep"]).toBe("1");
    const same = JSON.parse(
      dec.decode(
        (await secureFetch(p, get(redirect("/same"), [["authorization", "Bearer ok"]]), limits))
          .body,
      ),
    );
    expect(same.headers.authorization).toBe("Bearer ok");
  });

  it("stops after 20 redirects", async () => {
    const before = a.seen.length;
    const error = await failure(secureFetch(onlyA(), get(`${a.origin}/loop`), limits));
    expect(error).toBeInstanceOf(TooManyRedirectsError);
    expect(error).toMatchObject({ code: "AIRLOCK_FETCH_REDIRECTS" });
    expect(a.seen.length - before).toBe(21);
  });
});

describe("DNS rebinding", () => {
  it("connects to the address that was checked, never to a second answer", async () => {
    let calls = 0;
    // A rebinding resolver: a public address first, then loopback (where the server is).
    const lookup: LookupFunction = async () => {
      calls++;
      return [{ address: calls === 1 ? "198.41.0.4" : "127.0.0.1", family: 4 }];
    };
    const p = policy({ allowedUrls: [`http://rebind.example:${a.port}/**`] });
    const before = a.seen.length;
    const error = await failure(
      secureFetch(p, get(`http://rebind.example:${a.port}/`), {
        ...limits,
        timeoutMs: 400,
        lookup,
      }),
    );
    // The connection went to 198.41.0.4 (unreachable from the test machine), not 127.0.0.1.
    expect(calls).toBe(1);
    expect(a.seen.length).toBe(before);
    expect(error instanceof FetchTimeoutError || error instanceof FetchFailedError).toBe(true);
    // And the resolution itself pins the first, checked answer.
    calls = 0;
    expect(await p.resolve(`http://rebind.example:${a.port}/`, { lookup })).toMatchObject({
      address: "198.41.0.4",
    });
  });

  it("a resolver answering public then private in one reply is denied outright", async () => {
    const lookup: LookupFunction = async () => [
      { address: "198.41.0.4", family: 4 },
      { address: "127.0.0.1", family: 4 },
    ];
    const p = policy({ allowedUrls: [`http://rebind.example:${a.port}/**`] });
    const error = await failure(
      secureFetch(p, get(`http://rebind.example:${a.port}/`), { ...limits, lookup }),
    );
    expect(error).toMatchObject({ decision: { rule: "loopback 127.0.0.0/8" } });
  });
});

describe("limits", () => {
  it("aborts a body larger than maxResponseBytes", async () => {
    const error = await failure(
      secureFetch(onlyA(), get(`${a.origin}/big`), { ...limits, maxResponseBytes: 64 * 1024 }),
    );
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ code: "AIRLOCK_FETCH_TOO_LARGE", maxResponseBytes: 64 * 1024 });
  });

  it("refuses a declared Content-Length above the limit without reading", async () => {
    const error = await failure(secureFetch(onlyA(), get(`${a.origin}/declared`), limits));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
  });

  it("times out a stalled response", async () => {
    const start = Date.now();
    const error = await failure(
      secureFetch(onlyA(), get(`${a.origin}/stall`), { ...limits, timeoutMs: 200 }),
    );
    expect(error).toBeInstanceOf(FetchTimeoutError);
    expect(error).toMatchObject({ code: "AIRLOCK_FETCH_TIMEOUT", timeoutMs: 200 });
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it("applies the policy's rate limit to fetches", async () => {
    const p = onlyA({ rateLimitRps: 1, maxWaitMs: 50 });
    expect((await secureFetch(p, get(`${a.origin}/one`), limits)).status).toBe(200);
    const before = a.seen.length;
    const error = await failure(secureFetch(p, get(`${a.origin}/two`), limits));
    expect(error).toBeInstanceOf(EgressLimitError);
    expect(error).toMatchObject({ limit: "rate" });
    expect(a.seen.length).toBe(before);
  });

  it("caps concurrent connections", async () => {
    held = [];
    const p = onlyA({ maxConnections: 1, maxWaitMs: 100 });
    const first = secureFetch(p, get(`${a.origin}/hold`), limits);
    while (held.length === 0) await new Promise((r) => setTimeout(r, 5));
    const second = await failure(secureFetch(p, get(`${a.origin}/two`), limits));
    expect(second).toBeInstanceOf(EgressLimitError);
    expect(second).toMatchObject({ limit: "connections" });
    // With a longer wait the second request runs once the first finishes.
    const q = onlyA({ maxConnections: 1, maxWaitMs: 3000 });
    const third = secureFetch(q, get(`${a.origin}/hold`), limits);
    while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
    const fourth = secureFetch(q, get(`${a.origin}/after-hold`), limits);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.seen.some((s) => s.url === "/after-hold")).toBe(false);
    for (const release of held) release();
    expect(dec.decode((await first).body)).toBe("released");
    expect(dec.decode((await third).body)).toBe("released");
    expect((await fourth).status).toBe(200);
  });
});

describe("malformed requests", () => {
  it.each([
    [
      { url: "http://x/", method: "GET", headers: [["x", "a\r\nInjected: 1"]] },
      /invalid name or value/,
    ],
    [{ url: "http://x/", method: "GET", headers: [["bad name", "v"]] }, /invalid name or value/],
    [
      { url: "http://x/", method: "GET", headers: [], body: new Uint8Array(1) },
      /cannot have a body/,
    ],
    [{ url: "http://x/", method: "CONNECT", headers: [] }, /forbidden/],
    [{ url: "http://x/", method: "GE T", headers: [] }, /not an HTTP method/],
    [{ url: "http://x/", method: "GET", headers: "x" }, /list of \[name, value\]/],
  ])("rejects %j with FetchRequestError", async (request, hint) => {
    const error = await failure(
      secureFetch(policy({ allowedUrls: ["*"] }), request as FetchRequest, limits),
    );
    expect(error).toBeInstanceOf(FetchRequestError);
    expect((error as Error).message).toMatch(hint);
  });

  it("rejects bad limits", async () => {
    const p = policy({ allowedUrls: ["*"] });
    for (const bad of [
      { timeoutMs: 0 },
      { timeoutMs: 2 ** 31 },
      { maxResponseBytes: -1 },
      { maxRedirects: 21 },
    ]) {
      const error = await failure(secureFetch(p, get("http://x/"), { ...limits, ...bad }));
      expect(error, JSON.stringify(bad)).toBeInstanceOf(FetchRequestError);
    }
  });

  it("reports a refused connection as FetchFailedError", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const { port } = closed.address() as AddressInfo;
    closed.close();
    await once(closed, "close");
    const p = policy({ allowedUrls: [`http://127.0.0.1:${port}/**`] });
    const error = await failure(secureFetch(p, get(`http://127.0.0.1:${port}/`), limits));
    expect(error).toBeInstanceOf(FetchFailedError);
    expect((error as Error).message).toContain("ECONNREFUSED");
  });
});

describe("TLS", () => {
  const fixture = (name: string) =>
    readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
  const cert = fixture("localhost-cert.pem");
  let tls: TestServer;
  beforeAll(async () => {
    tls = await startServer(
      (_req, res) => res.end("secret over tls"),
      createHttpsServer({ cert, key: fixture("localhost-key.pem") }),
    );
  });
  afterAll(() => tls.close());
  const toLoopback: LookupFunction = async () => [{ address: "127.0.0.1", family: 4 }];

  it("verifies the certificate against the host name while connecting to the pinned address", async () => {
    const p = policy({ allowedUrls: [`https://localhost:${tls.port}/**`] });
    const res = await secureFetch(p, get(`https://localhost:${tls.port}/`), {
      ...limits,
      lookup: toLoopback,
      ca: cert,
    });
    expect(dec.decode(res.body)).toBe("secret over tls");
  });

  it("refuses an untrusted certificate", async () => {
    const p = policy({ allowedUrls: [`https://localhost:${tls.port}/**`] });
    const error = await failure(
      secureFetch(p, get(`https://localhost:${tls.port}/`), { ...limits, lookup: toLoopback }),
    );
    expect(error).toBeInstanceOf(FetchFailedError);
  });

  it("refuses a certificate for another name, even at an allowed address", async () => {
    const p = policy({
      allowedUrls: [`https://other.example:${tls.port}/**`],
      allowPrivateNetwork: true,
    });
    const error = await failure(
      secureFetch(p, get(`https://other.example:${tls.port}/`), {
        ...limits,
        lookup: toLoopback,
        ca: cert,
      }),
    );
    expect(error).toBeInstanceOf(FetchFailedError);
    expect((error as Error).message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });
});
