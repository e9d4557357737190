import { describe, expect, it } from "vitest";
import type { LookupFunction, NetPolicyOptions } from "../src/index.js";
import {
  EgressLookupError,
  NetPolicyRuleError,
  acceptHost,
  acceptPublicInternet,
  acceptTcp,
  createNetPolicy,
} from "../src/index.js";

const policy = (options: Partial<NetPolicyOptions>) =>
  createNetPolicy({ allowedUrls: [], blockedUrls: [], ...options });

/** A lookup that answers from a table and counts its calls. */
function fakeDns(table: Record<string, string[]>): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const answers = table[hostname];
    if (!answers)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return answers.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

describe("checkTcp", () => {
  const p = policy({
    rules: [
      acceptPublicInternet({ ports: [443] }),
      acceptTcp({ cidr: "10.1.0.0/16", ports: [5432, [6000, 6010]] }),
      acceptHost({ host: "*.example.com", ports: "*" }),
      acceptTcp({ cidr: "0.0.0.0/0", ports: [22] }),
      acceptTcp({ cidr: "169.254.169.254", ports: [80] }),
    ],
  });

  it("public-internet covers public addresses only", () => {
    expect(p.checkTcp("8.8.8.8", 443)).toEqual({
      allowed: true,
      rule: "rules[0] public-internet ports [443]",
      reason: expect.any(String),
    });
    expect(p.checkTcp("8.8.8.8", 80).rule).toBe("default-deny");
    expect(p.checkTcp("127.0.0.1", 443).rule).toBe("loopback 127.0.0.0/8");
    expect(p.checkTcp("192.168.0.1", 443).rule).toBe("private-range 192.168.0.0/16");
    expect(p.checkTcp("::ffff:127.0.0.1", 443).rule).toBe("ipv4-mapped ::ffff:0:0/96");
    expect(p.checkTcp("2606:4700::1111", 443).allowed).toBe(true);
  });

  it("a CIDR rule grants the private range it names, on its ports only", () => {
    expect(p.checkTcp("10.1.2.3", 5432).rule).toBe(
      "rules[1] tcp 10.1.0.0/16 ports [5432,[6000,6010]]",
    );
    expect(p.checkTcp("10.1.2.3", 6005).allowed).toBe(true);
    expect(p.checkTcp("10.1.2.3", 6011).allowed).toBe(false);
    expect(p.checkTcp("10.2.0.1", 5432).rule).toBe("private-range 10.0.0.0/8");
  });

  it("a CIDR wider than a special range does not grant it (0.0.0.0/0 is not a grant)", () => {
    expect(p.checkTcp("8.8.8.8", 22).rule).toBe("rules[3] tcp 0.0.0.0/0 ports [22]");
    expect(p.checkTcp("127.0.0.1", 22)).toMatchObject({
      allowed: false,
      rule: "loopback 127.0.0.0/8",
      reason: expect.stringContaining(
        "rules[3] tcp 0.0.0.0/0 ports [22] matches but does not name",
      ),
    });
    expect(p.checkTcp("169.254.169.254", 80).allowed).toBe(true);
    expect(p.checkTcp("169.254.169.253", 80).rule).toBe("link-local 169.254.0.0/16");
  });

  it("host rules need a matching hint and still refuse private addresses", () => {
    expect(p.checkTcp("8.8.4.4", 8080, "api.example.com").rule).toBe(
      'rules[2] host "*.example.com" any port',
    );
    expect(p.checkTcp("8.8.4.4", 8080, "API.EXAMPLE.COM.").allowed).toBe(true);
    expect(p.checkTcp("8.8.4.4", 8080).allowed).toBe(false);
    expect(p.checkTcp("8.8.4.4", 8080, "example.org").allowed).toBe(false);
    expect(p.checkTcp("10.9.9.9", 8080, "api.example.com").rule).toBe("private-range 10.0.0.0/8");
  });

  it("allowPrivateNetwork lets matching rules reach special ranges", () => {
    const q = policy({
      allowPrivateNetwork: true,
      rules: [acceptTcp({ cidr: "0.0.0.0/0", ports: "*" })],
    });
    expect(q.checkTcp("127.0.0.1", 22).allowed).toBe(true);
    expect(policy({ allowPrivateNetwork: true }).checkTcp("127.0.0.1", 22).rule).toBe(
      "loopback 127.0.0.0/8",
    );
  });

  it("bad inputs are decisions, not exceptions", () => {
    expect(p.checkTcp("not-an-ip", 443).rule).toBe("invalid-address");
    expect(p.checkTcp("fe80::1%eth0", 443).rule).toBe("invalid-address");
    expect(p.checkTcp("8.8.8.8", 0).rule).toBe("invalid-port");
    expect(p.checkTcp("8.8.8.8", 70000).rule).toBe("invalid-port");
    expect(policy({}).checkTcp("8.8.8.8", 443).rule).toBe("default-deny");
  });

  it.each([
    [() => acceptTcp({ cidr: "10.0.0.0/33", ports: [80] }), /prefix length 33/],
    [() => acceptTcp({ cidr: "10.0.0/8", ports: [80] }), /not an IP address/],
    [() => acceptTcp({ cidr: "10.0.0.0/8", ports: [0] }), /out of range/],
    [() => acceptTcp({ cidr: "10.0.0.0/8", ports: [[90, 80]] }), /reversed/],
    [() => acceptTcp({ cidr: "10.0.0.0/8", ports: [] }), /non-empty list/],
    [() => acceptPublicInternet({ ports: [65536] }), /out of range/],
    [() => acceptHost({ host: "", ports: "*" }), /host must be/],
    [() => acceptHost({ host: "a.com:443", ports: "*" }), /port separately/],
  ])("rule factory %# throws NetPolicyRuleError", (make, hint) => {
    expect(make).toThrow(NetPolicyRuleError);
    expect(make).toThrow(hint);
  });

  it("hand-built rules are validated with their index", () => {
    expect(() =>
      policy({ rules: [acceptPublicInternet({ ports: "*" }), { kind: "udp" } as never] }),
    ).toThrow(/^rules\[1\]: unknown rule kind "udp"/);
  });
});

describe("resolve", () => {
  const p = policy({
    allowedUrls: ["https://api.example.com/**", "http://localhost:3000/**", "http://*.test/**"],
  });

  it("resolves once, checks the answer, and pins the first address", async () => {
    const dns = fakeDns({ "api.example.com": ["93.184.216.34", "2606:2800:220:1::1"] });
    const r = await p.resolve("https://api.example.com/v1", { lookup: dns });
    expect(r).toEqual({
      allowed: true,
      rule: 'allowedUrls[0] "https://api.example.com/**"',
      reason: expect.any(String),
      url: "https://api.example.com/v1",
      hostname: "api.example.com",
      address: "93.184.216.34",
      family: 4,
      port: 443,
    });
    expect(dns.calls).toEqual(["api.example.com"]);
  });

  it("denies a name when any address it resolves to is private", async () => {
    const dns = fakeDns({
      "a.test": ["8.8.8.8", "10.0.0.5"],
      "b.test": ["169.254.169.254"],
      "c.test": ["::ffff:127.0.0.1"],
      "d.test": ["8.8.8.8"],
      "e.test": ["not-an-ip"],
    });
    expect(await p.resolve("http://a.test/", { lookup: dns })).toMatchObject({
      allowed: false,
      rule: "private-range 10.0.0.0/8",
      reason: expect.stringContaining("a.test resolved to 10.0.0.5"),
    });
    expect((await p.resolve("http://b.test/", { lookup: dns })).rule).toBe(
      "metadata 169.254.169.254/32",
    );
    expect((await p.resolve("http://c.test/", { lookup: dns })).rule).toBe(
      "ipv4-mapped ::ffff:0:0/96",
    );
    expect((await p.resolve("http://d.test/", { lookup: dns })).allowed).toBe(true);
    expect((await p.resolve("http://e.test/", { lookup: dns })).rule).toBe("invalid-address");
  });

  it("allowPrivateNetwork lets a name resolve to a private address", async () => {
    const q = policy({ allowedUrls: ["http://db.test/**"], allowPrivateNetwork: true });
    const r = await q.resolve("http://db.test/", { lookup: fakeDns({ "db.test": ["10.0.0.5"] }) });
    expect(r).toMatchObject({ allowed: true, address: "10.0.0.5" });
  });

  it("a rule naming localhost grants loopback answers only", async () => {
    const good = await p.resolve("http://localhost:3000/", {
      lookup: fakeDns({ localhost: ["::1", "127.0.0.1"] }),
    });
    expect(good).toMatchObject({ allowed: true, address: "::1", family: 6, hostname: "localhost" });
    const bad = await p.resolve("http://localhost:3000/", {
      lookup: fakeDns({ localhost: ["10.0.0.1"] }),
    });
    expect(bad.rule).toBe("private-range 10.0.0.0/8");
  });

  it("literal IPs skip DNS; denied URLs never reach DNS", async () => {
    const dns = fakeDns({});
    const q = policy({ allowedUrls: ["http://127.0.0.1:9/**", "*"] });
    expect(await q.resolve("http://127.0.0.1:9/", { lookup: dns })).toMatchObject({
      allowed: true,
      address: "127.0.0.1",
    });
    expect(await q.resolve("http://[2606:4700::1111]/", { lookup: dns })).toMatchObject({
      address: "2606:4700::1111",
      hostname: "2606:4700::1111",
      family: 6,
    });
    expect((await q.resolve("ftp://x/", { lookup: dns })).rule).toBe("scheme");
    expect(dns.calls).toEqual([]);
  });

  it("DNS failures are typed errors", async () => {
    const err = await p
      .resolve("http://missing.test/", { lookup: fakeDns({}) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressLookupError);
    expect(err).toMatchObject({ code: "AIRLOCK_EGRESS_DNS", hostname: "missing.test" });
    const empty = await p
      .resolve("http://x.test/", { lookup: async () => [] })
      .catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(EgressLookupError);
  });

  it("uses the real resolver by default (localhost)", async () => {
    const r = await p.resolve("http://localhost:3000/");
    expect(r.allowed).toBe(true);
    expect(["127.0.0.1", "::1"]).toContain((r as { address: string }).address);
  });
});
