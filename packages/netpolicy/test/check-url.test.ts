import { describe, expect, it } from "vitest";
import type { NetPolicyOptions } from "../src/index.js";
import { NetPolicyRuleError, createNetPolicy, netPolicyFromConfig } from "../src/index.js";

const policy = (options: Partial<NetPolicyOptions>) =>
  createNetPolicy({ allowedUrls: [], blockedUrls: [], ...options });

const ruleOf = (options: Partial<NetPolicyOptions>, url: string) =>
  policy(options).checkUrl(url).rule;

describe("rule strings", () => {
  it.each([
    ["", /empty rule/],
    ["   ", /empty rule/],
    ["https://api.example.com/ v1", /whitespace/],
    ["https://x.com/[abc", /unbalanced "\["/],
    ["https://x.com/abc]", /unbalanced "\]"/],
    ["https://x.com/{a,b", /unbalanced "\{"/],
    ["https://x.com/a}", /unbalanced "\}"/],
    ["https://{a,b.x.com/", /unbalanced "\{"/],
    ["https://[::1/**", /unbalanced "\["/],
    ["https://x.com:0/", /out of range/],
    ["https://x.com:65536/", /out of range/],
    ["https://x.com:http/", /out of range/],
    ["ftp://x.com/", /only http:\/\/ and https:\/\//],
    ["https://user@x.com/", /not credentials/],
    ["https://x.com/search?q=*", /remove the query/],
    ["https:///path", /host is missing/],
    ["https://x.com/[z-a]", /low to high/],
    ["https://bü*.example/", /punycode/],
    ["::1", /brackets/],
  ])("rejects %j with a NetPolicyRuleError naming the index and the fix", (bad, hint) => {
    let caught: unknown;
    try {
      policy({ allowedUrls: ["https://ok.example.com/**", bad] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NetPolicyRuleError);
    const error = caught as NetPolicyRuleError;
    expect(error.code).toBe("AIRLOCK_NETPOLICY_RULE");
    expect(error.field).toBe("allowedUrls");
    expect(error.index).toBe(1);
    expect(error.message).toMatch(/^allowedUrls\[1\] /);
    expect(error.message).toMatch(hint);
  });

  it("names blockedUrls and option fields too", () => {
    expect(() => policy({ blockedUrls: ["ok.com", "x.com:99999"] })).toThrow(/^blockedUrls\[1\] /);
    expect(() => policy({ rateLimitRps: -1 })).toThrow(/rateLimitRps: must be a number ≥ 0/);
    expect(() => policy({ maxConnections: 1.5 })).toThrow(/maxConnections: must be a whole number/);
    expect(() => createNetPolicy({ allowedUrls: "x.com" as never, blockedUrls: [] })).toThrow(
      NetPolicyRuleError,
    );
  });
});

describe("URL globs", () => {
  const opts = {
    allowedUrls: [
      "https://api.example.com/v1/**",
      "https://*.cdn.example.com/*",
      "static.example.org",
      "https://files.example.net/{img,css}/*.{png,css}",
      "https://any-port.example.com:*/**",
      "https://dl.example.com/[a-c]/*",
    ],
  };
  it.each([
    ["https://api.example.com/v1", true],
    ["https://api.example.com/v1/", true],
    ["https://api.example.com/v1/a/b/c?x=1#frag", true],
    ["https://API.Example.COM/v1/x", true],
    ["https://api.example.com./v1/x", true],
    ["https://api.example.com:443/v1/x", true],
    ["https://api.example.com/v2", false],
    ["https://api.example.com/v1x", false],
    ["http://api.example.com/v1/x", false],
    ["https://api.example.com:8443/v1/x", false],
    ["https://evil.com/api.example.com/v1/", false],
    ["https://api.example.com.evil.com/v1/", false],
    ["https://a.cdn.example.com/x", true],
    ["https://a.b.cdn.example.com/x", false],
    ["https://cdn.example.com/x", false],
    ["https://a.cdn.example.com/x/y", false],
    ["http://static.example.org/any/path", true],
    ["https://static.example.org/", true],
    ["http://static.example.org:8080/", false],
    ["https://sub.static.example.org/", false],
    ["https://files.example.net/img/a.png", true],
    ["https://files.example.net/css/a.css", true],
    ["https://files.example.net/js/a.png", false],
    ["https://files.example.net/img/a.gif", false],
    ["https://any-port.example.com:8443/x", true],
    ["https://dl.example.com/b/file", true],
    ["https://dl.example.com/d/file", false],
  ])("%s → allowed %s", (url, expected) => {
    expect(policy(opts).checkUrl(url).allowed).toBe(expected);
  });

  it('"*" allows every public http(s) URL, and nothing else', () => {
    const p = policy({ allowedUrls: ["*"] });
    expect(p.checkUrl("https://anything.example/x").rule).toBe('allowedUrls[0] "*"');
    expect(p.checkUrl("http://example.com:81/").allowed).toBe(true);
    expect(p.checkUrl("ftp://example.com/").rule).toBe("scheme");
    expect(p.checkUrl("http://127.0.0.1/").rule).toBe("loopback 127.0.0.0/8");
  });

  it("an empty allow list denies everything", () => {
    expect(policy({}).checkUrl("https://example.com/")).toEqual({
      allowed: false,
      rule: "default-deny",
      reason: expect.stringContaining('add one such as "https://example.com/**"'),
    });
  });

  it("blockedUrls wins over allowedUrls, at any port when the block rule names none", () => {
    const p = policy({
      allowedUrls: ["*", "https://evil.example.com/**"],
      blockedUrls: ["https://good.example.com/admin/**", "evil.example.com", "https://x.com/**"],
    });
    expect(p.checkUrl("https://good.example.com/public").allowed).toBe(true);
    expect(p.checkUrl("https://good.example.com/admin/users")).toEqual({
      allowed: false,
      rule: 'blockedUrls[0] "https://good.example.com/admin/**"',
      reason: expect.stringContaining("blocked rules win"),
    });
    expect(p.checkUrl("https://evil.example.com/").rule).toBe('blockedUrls[1] "evil.example.com"');
    expect(p.checkUrl("http://evil.example.com:8080/").rule).toBe(
      'blockedUrls[1] "evil.example.com"',
    );
    expect(p.checkUrl("https://x.com:8443/").rule).toBe('blockedUrls[2] "https://x.com/**"');
  });

  it("percent-encoding cannot dodge a block rule", () => {
    const p = policy({ allowedUrls: ["*"], blockedUrls: ["https://a.com/admin/**"] });
    for (const url of [
      "https://a.com/%61dmin/x",
      "https://a.com/%61%64%6D%69%6E/x",
      "https://a.com/admin%2Fx",
      "https://a.com/admin%5cx",
      "https://a.com/admin\\x",
      "https://a.com/public/../admin/x",
      "https://a.com/public/%2e%2e/admin/x",
    ]) {
      expect(p.checkUrl(url).rule, url).toBe('blockedUrls[0] "https://a.com/admin/**"');
    }
    // An encoded slash that forms a ".." segment is ambiguous: denied outright.
    expect(p.checkUrl("https://a.com/public%2F..%2Fadmin").rule).toBe("ambiguous-path");
    // "%25" stays encoded, so "%2561" is not "a".
    expect(p.checkUrl("https://a.com/%2561dmin/x").allowed).toBe(true);
  });

  it("rule literals are canonicalised like URLs (IDN, case, percent-encoding, numeric IPv4)", () => {
    const p = policy({
      allowedUrls: [
        "https://Bücher.example/café/*",
        "http://0x7f.0.0.1:8080/**",
        "https://x.com/a%2Ab",
      ],
    });
    expect(p.checkUrl("https://xn--bcher-kva.example/caf%C3%A9/menu").allowed).toBe(true);
    expect(p.checkUrl("https://BÜCHER.example/café/menu").allowed).toBe(true);
    expect(p.checkUrl("http://127.0.0.1:8080/").allowed).toBe(true);
    expect(p.checkUrl("https://x.com/a*b").allowed).toBe(true); // %2A = a literal "*"
    expect(p.checkUrl("https://x.com/axb").allowed).toBe(false);
  });
});

describe("glob matching", () => {
  it("gives ** its zero-or-more-segments meaning", () => {
    const p = policy({
      allowedUrls: ["https://x.com/api/**", "https://x.com/a/**/b", "https://**.y.com/"],
    });
    expect(p.checkUrl("https://x.com/api").allowed).toBe(true);
    expect(p.checkUrl("https://x.com/apix").allowed).toBe(false);
    expect(p.checkUrl("https://x.com/a/b").allowed).toBe(true);
    expect(p.checkUrl("https://x.com/a/1/2/b").allowed).toBe(true);
    expect(p.checkUrl("https://x.com/a/1/2/c").allowed).toBe(false);
    expect(p.checkUrl("https://p.q.y.com/").allowed).toBe(true);
    expect(p.checkUrl("https://y.com/").allowed).toBe(false);
  });

  it("matches in linear time on guest-controlled URLs (no regex backtracking)", () => {
    const p = policy({
      allowedUrls: ["https://x.com/**/a/**/a/**/a/**/b", "https://*.*.*.*.*.x.com/**"],
      blockedUrls: ["https://x.com/**x**x**x**y"],
    });
    const start = Date.now();
    expect(p.checkUrl(`https://x.com${"/a".repeat(4000)}`).allowed).toBe(false);
    expect(p.checkUrl(`https://x.com/${"x".repeat(8000)}`).allowed).toBe(false);
    expect(p.checkUrl(`https://${"a.".repeat(100)}x.com/`).allowed).toBe(false);
    expect(Date.now() - start).toBeLessThan(1000); // a backtracking regex takes minutes here
  });
});

describe("addresses", () => {
  const loopback = { allowedUrls: ["http://127.0.0.1:8080/**"] };
  it.each([
    ["http://127.0.0.1:8080/"],
    ["http://2130706433:8080/"],
    ["http://0x7f.1:8080/"],
    ["http://017700000001:8080/"],
    ["http://127.1:8080/"],
    ["http://0177.0.0.1:8080/"],
    ["http://%31%32%37.0.0.1:8080/"],
  ])("%s is 127.0.0.1 and matches a rule naming it", (url) => {
    expect(policy(loopback).checkUrl(url)).toEqual({
      allowed: true,
      rule: 'allowedUrls[0] "http://127.0.0.1:8080/**"',
      reason: expect.stringContaining("loopback address named explicitly"),
    });
  });

  it.each([
    ["http://2130706433/", "loopback 127.0.0.0/8"],
    ["http://0x7f.1/", "loopback 127.0.0.0/8"],
    ["http://017700000001/", "loopback 127.0.0.0/8"],
    ["http://127.1/", "loopback 127.0.0.0/8"],
    ["http://[::1]/", "loopback ::1/128"],
    ["http://[::ffff:127.0.0.1]/", "ipv4-mapped ::ffff:0:0/96"],
    ["http://[::ffff:8.8.8.8]/", "ipv4-mapped ::ffff:0:0/96"],
    ["http://[::127.0.0.1]/", "ipv4-compatible ::/96"],
    ["http://[64:ff9b::7f00:1]/", "nat64 64:ff9b::/96"],
    ["http://10.1.2.3/", "private-range 10.0.0.0/8"],
    ["http://172.20.0.1/", "private-range 172.16.0.0/12"],
    ["http://192.168.1.1/", "private-range 192.168.0.0/16"],
    ["http://[fd12::1]/", "private-range fc00::/7"],
    ["http://169.254.1.1/", "link-local 169.254.0.0/16"],
    ["http://[fe80::1]/", "link-local fe80::/10"],
    ["http://169.254.169.254/latest/meta-data/", "metadata 169.254.169.254/32"],
    ["http://[fd00:ec2::254]/", "metadata fd00:ec2::254/128"],
    ["http://metadata.google.internal/", "metadata metadata.google.internal"],
    ["http://0.0.0.0/", "unspecified 0.0.0.0/8"],
    ["http://0/", "unspecified 0.0.0.0/8"],
    ["http://[::]/", "unspecified ::/128"],
    ["http://224.0.0.1/", "multicast 224.0.0.0/4"],
    ["http://[ff02::1]/", "multicast ff00::/8"],
    ["http://255.255.255.255/", "broadcast 255.255.255.255/32"],
    ["http://localhost/", "loopback localhost"],
    ["http://LOCALHOST./", "loopback localhost"],
    ["http://app.localhost/", "loopback app.localhost"],
  ])('%s is denied as "%s" even when "*" is allowed', (url, rule) => {
    expect(policy({ allowedUrls: ["*"] }).checkUrl(url)).toEqual({
      allowed: false,
      rule,
      reason: expect.any(String),
    });
  });

  it("public addresses pass a wildcard rule", () => {
    const p = policy({ allowedUrls: ["*"] });
    expect(p.checkUrl("http://8.8.8.8/").allowed).toBe(true);
    expect(p.checkUrl("http://[2606:4700::1111]/").allowed).toBe(true);
  });

  it("only a rule naming the literal address or localhost grants it; wildcards never do", () => {
    expect(
      policy({ allowedUrls: ["http://*.*.*.*/**"] }).checkUrl("http://127.0.0.1/").allowed,
    ).toBe(false);
    expect(policy({ allowedUrls: ["http://*/**"] }).checkUrl("http://localhost/").allowed).toBe(
      false,
    );
    expect(
      policy({ allowedUrls: ["http://*.localhost/**"] }).checkUrl("http://a.localhost/").allowed,
    ).toBe(false);
    expect(policy({ allowedUrls: ["http://[::1]/**"] }).checkUrl("http://[0::1]/").allowed).toBe(
      true,
    );
    expect(
      policy({ allowedUrls: ["http://localhost:3000/**"] }).checkUrl("http://localhost.:3000/")
        .allowed,
    ).toBe(true);
    expect(
      policy({ allowedUrls: ["http://localhost:3000/**"] }).checkUrl("http://LOCALHOST:3000/")
        .allowed,
    ).toBe(true);
    // Naming 127.0.0.1 does not grant ::1, nor ::ffff:127.0.0.1.
    const p = policy({ allowedUrls: ["http://127.0.0.1/**"] });
    expect(p.checkUrl("http://[::1]/").allowed).toBe(false);
    expect(p.checkUrl("http://[::ffff:127.0.0.1]/").allowed).toBe(false);
  });

  it("allowPrivateNetwork grants every special range", () => {
    const p = policy({ allowedUrls: ["*"], allowPrivateNetwork: true });
    for (const url of [
      "http://127.0.0.1/",
      "http://10.0.0.1/",
      "http://169.254.169.254/",
      "http://localhost/",
    ]) {
      expect(p.checkUrl(url), url).toMatchObject({
        allowed: true,
        reason: expect.stringContaining("allowPrivateNetwork"),
      });
    }
  });

  it("the host after user@ is what counts, and credentials in URLs are denied", () => {
    const p = policy({ allowedUrls: ["http://allowed.com/**", "http://127.0.0.1:8080/**"] });
    expect(p.checkUrl("http://allowed.com@127.0.0.1/")).toMatchObject({
      allowed: false,
      rule: "default-deny",
      reason: expect.stringContaining("http://127.0.0.1 matches no"),
    });
    expect(p.checkUrl("http://allowed.com:80@127.0.0.1/").rule).toBe("default-deny");
    expect(p.checkUrl("http://a@b@127.0.0.1:8080/").rule).toBe("credentials-in-url");
    expect(p.checkUrl("http://user:pass@allowed.com/").rule).toBe("credentials-in-url");
    expect(p.checkUrl("http://allowed.com/").allowed).toBe(true);
  });

  it("non-http(s) schemes and garbage are denied, not thrown", () => {
    const p = policy({ allowedUrls: ["*"] });
    for (const [url, rule] of [
      ["file:///etc/passwd", "scheme"],
      ["javascript:alert(1)", "scheme"],
      ["data:text/plain,hi", "scheme"],
      ["ws://example.com/", "scheme"],
      ["not a url", "invalid-url"],
      ["http://", "invalid-url"],
      ["http://[::1/", "invalid-url"],
    ] as const) {
      expect(p.checkUrl(url).rule, url).toBe(rule);
    }
    expect(p.checkUrl(42 as never).rule).toBe("invalid-url");
  });
});

describe("netPolicyFromConfig", () => {
  it("maps the config fields", () => {
    const p = netPolicyFromConfig({
      allowedUrls: ["https://api.example.com/**"],
      blockedUrls: ["https://api.example.com/admin/**"],
      allowPrivateNetwork: false,
      rateLimitRps: 0,
      maxConnections: 0,
    });
    expect(p.checkUrl("https://api.example.com/x").allowed).toBe(true);
    expect(p.checkUrl("https://api.example.com/admin/x").rule).toBe(
      'blockedUrls[0] "https://api.example.com/admin/**"',
    );
    expect(p.checkUrl("https://other.example.com/").rule).toBe("default-deny");
  });

  it("reports a bad rule by its config field", () => {
    expect(() =>
      netPolicyFromConfig({
        allowedUrls: ["ok.com", "https://x.com/{a"],
        blockedUrls: [],
        allowPrivateNetwork: false,
        rateLimitRps: 0,
        maxConnections: 0,
      }),
    ).toThrow(/^allowedUrls\[1\] "https:\/\/x.com\/\{a": unbalanced/);
  });

  it("allowPrivateNetwork from the config grants private addresses", () => {
    const base = { allowedUrls: ["*"], blockedUrls: [], rateLimitRps: 0, maxConnections: 0 };
    expect(
      netPolicyFromConfig({ ...base, allowPrivateNetwork: true }).checkUrl("http://10.0.0.1/")
        .allowed,
    ).toBe(true);
    expect(
      netPolicyFromConfig({ ...base, allowPrivateNetwork: false }).checkUrl("http://10.0.0.1/")
        .allowed,
    ).toBe(false);
  });
});

describe("decisions", () => {
  it("are plain, serialisable objects", () => {
    const d = policy({ allowedUrls: ["*"] }).checkUrl("http://10.0.0.1/");
    expect(Object.keys(d).sort()).toEqual(["allowed", "reason", "rule"]);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(ruleOf({}, "https://x.com/")).toBe("default-deny");
  });
});
