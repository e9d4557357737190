import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Decision, LookupFunction } from "../src/index.js";
import {
  EgressLookupError,
  NetPolicyRuleError,
  acceptPublicInternet,
  acceptTcp,
  createNetPolicy,
} from "../src/index.js";

const runs = { numRuns: 300 };

const isDecision = (d: Decision) =>
  typeof d.allowed === "boolean" &&
  typeof d.rule === "string" &&
  d.rule !== "" &&
  typeof d.reason === "string";

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const hostName = fc
  .array(label, { minLength: 1, maxLength: 4 })
  .map((labels) => `${labels.join(".")}.com`);

/** An IPv4 address as a 32-bit number, and the ways a URL can spell it. */
const ipv4 = fc.integer({ min: 0, max: 0xffffffff });
const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
const spellings = (n: number) => [
  dotted(n),
  String(n),
  `0x${n.toString(16)}`,
  `0${n.toString(8)}`,
  [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]
    .map((p) => `0x${p.toString(16)}`)
    .join("."),
  `${n >>> 24}.${n & 0xffffff}`,
];
const ipv6 = fc.ipV6();

/** URLs likely to hit edge cases: random text, web URLs, and URLs around IP literals. */
const anyUrl = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.webUrl({
    withQueryParameters: true,
    withFragments: true,
    validSchemes: ["http", "https", "ftp", "file"],
  }),
  fc.tuple(ipv4, fc.nat(5)).map(([n, i]) => `http://${spellings(n)[i] ?? dotted(n)}/x`),
  ipv6.map((ip) => `https://[${ip}]:8443/`),
  fc
    .tuple(
      fc.constantFrom("http://", "https://", "HTTP://", "//"),
      fc.string({ maxLength: 30 }),
      hostName,
      fc.string({ maxLength: 30 }),
    )
    .map(([s, user, host, path]) => `${s}${user}@${host}/${path}`),
);

describe("properties", () => {
  it("checkUrl never throws and always returns a decision", () => {
    const p = createNetPolicy({
      allowedUrls: ["*", "https://*.example.com/{a,b}/**", "http://127.0.0.1:8080/**"],
      blockedUrls: ["evil.com", "https://x.example.com/[0-9]*"],
    });
    fc.assert(
      fc.property(anyUrl, (url) => {
        expect(isDecision(p.checkUrl(url))).toBe(true);
      }),
      runs,
    );
  });

  it("resolve only ever throws typed errors", async () => {
    const p = createNetPolicy({ allowedUrls: ["*"], blockedUrls: [] });
    await fc.assert(
      fc.asyncProperty(
        anyUrl,
        fc.array(fc.oneof(fc.ipV4(), ipv6, fc.string({ maxLength: 10 })), { maxLength: 3 }),
        async (url, answers) => {
          const lookup: LookupFunction = async () =>
            answers.map((address) => ({ address, family: 4 }));
          try {
            const r = await p.resolve(url, { lookup });
            expect(isDecision(r)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(EgressLookupError);
          }
        },
      ),
      runs,
    );
  });

  it("rule strings either compile or throw NetPolicyRuleError", () => {
    const ruleText = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc
        .tuple(
          fc.constantFrom("", "http://", "https://", "ws://"),
          fc.stringMatching(/^[a-z*{},.[\]:0-9-]{0,20}$/),
          fc.stringMatching(/^[/a-z*{},[\]!%0-9?#.-]{0,20}$/),
        )
        .map(([s, h, path]) => `${s}${h}${path}`),
    );
    fc.assert(
      fc.property(ruleText, (rule) => {
        try {
          createNetPolicy({ allowedUrls: [rule], blockedUrls: [rule] });
        } catch (error) {
          expect(error).toBeInstanceOf(NetPolicyRuleError);
        }
      }),
      runs,
    );
  });

  it("with an empty allow list, no URL is ever allowed", () => {
    const p = createNetPolicy({ allowedUrls: [], blockedUrls: [], allowPrivateNetwork: true });
    fc.assert(
      fc.property(anyUrl, (url) => {
        expect(p.checkUrl(url).allowed).toBe(false);
      }),
      runs,
    );
  });

  it("a URL whose host matches a block rule is never allowed, whatever its spelling", () => {
    const spelled = fc.record({
      host: hostName,
      scheme: fc.constantFrom("http", "https", "HTTP", "hTTps"),
      upper: fc.boolean(),
      dot: fc.boolean(),
      port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      user: fc.option(fc.stringMatching(/^[a-z.]{1,8}$/), { nil: undefined }),
      path: fc.array(fc.stringMatching(/^[a-zA-Z0-9%._~-]{0,8}$/), { maxLength: 4 }),
      block: fc.constantFrom("bare", "scheme-both", "wildcard"),
    });
    fc.assert(
      fc.property(spelled, ({ host, scheme, upper, dot, port, user, path, block }) => {
        const rules =
          block === "bare"
            ? [host]
            : block === "scheme-both"
              ? [`http://${host}/**`, `https://${host}/**`]
              : [`*.${host}`, host];
        const p = createNetPolicy({
          allowedUrls: ["*", host, `https://${host}:*/**`],
          blockedUrls: rules,
          allowPrivateNetwork: true,
        });
        const h = `${upper ? host.toUpperCase() : host}${dot ? "." : ""}`;
        const url = `${scheme}://${user ? `${user}@` : ""}${h}${port ? `:${port}` : ""}/${path.join("/")}`;
        const d = p.checkUrl(url);
        expect(d.allowed, `${url} → ${d.rule}`).toBe(false);
        if (!d.rule.startsWith("ambiguous-path") && d.rule !== "invalid-url") {
          expect(d.rule).toMatch(/^blockedUrls\[\d\]/);
        }
      }),
      runs,
    );
  });

  it("every spelling of an IPv4 address gets the same decision, and special ones are denied", () => {
    const p = createNetPolicy({ allowedUrls: ["*"], blockedUrls: [] });
    fc.assert(
      fc.property(ipv4, (n) => {
        const decisions = spellings(n).map((s) => p.checkUrl(`http://${s}/`));
        const canonical = p.checkUrl(`http://${dotted(n)}/`);
        for (const d of decisions) expect(d).toEqual(canonical);
        const tcp = createNetPolicy({
          allowedUrls: [],
          blockedUrls: [],
          rules: [acceptPublicInternet({ ports: "*" })],
        }).checkTcp(dotted(n), 443);
        expect(tcp.allowed).toBe(canonical.allowed);
      }),
      runs,
    );
  });

  it("checkTcp never throws, for any address text and port", () => {
    const p = createNetPolicy({
      allowedUrls: [],
      blockedUrls: [],
      rules: [
        acceptTcp({ cidr: "10.0.0.0/8", ports: [[1, 1024]] }),
        acceptPublicInternet({ ports: [443] }),
      ],
    });
    fc.assert(
      fc.property(
        fc.oneof(fc.ipV4(), ipv6, fc.string({ maxLength: 40 }), ipv4.map(String)),
        fc.oneof(fc.integer(), fc.double()),
        fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        (ip, port, hint) => {
          expect(isDecision(p.checkTcp(ip, port, hint))).toBe(true);
        },
      ),
      runs,
    );
  });

  it("IPv4-mapped and embedded forms of special IPv4 addresses are never allowed", () => {
    const p = createNetPolicy({ allowedUrls: ["*"], blockedUrls: [] });
    const special = fc.oneof(
      fc.integer({ min: 0x7f000000, max: 0x7fffffff }), // 127/8
      fc.integer({ min: 0x0a000000, max: 0x0affffff }), // 10/8
      fc.integer({ min: 0xa9fe0000, max: 0xa9feffff }), // 169.254/16
    );
    fc.assert(
      fc.property(special, fc.constantFrom("::ffff:", "::", "64:ff9b::"), (n, prefix) => {
        expect(p.checkUrl(`http://[${prefix}${dotted(n)}]/`).allowed).toBe(false);
        expect(p.checkUrl(`http://${dotted(n)}/`).allowed).toBe(false);
      }),
      runs,
    );
  });
});
