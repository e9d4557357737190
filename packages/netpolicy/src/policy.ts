import type * as Dns from "node:dns";
import { createRequire } from "node:module";
import { nodeNet } from "./node-net.js";
import type { AddressCategory, SpecialRange } from "./address.js";
import { classifyAddress, classifyName, describeAddress } from "./address.js";
import type { UrlTarget } from "./canonical.js";
import { DEFAULT_PORT, parseTarget } from "./canonical.js";
import type { Decision } from "./decision.js";
import { allow, deny, ruleName } from "./decision.js";
import { EgressLookupError, NetPolicyRuleError } from "./errors.js";
import type { AcquireOptions, Release } from "./limits.js";
import { EgressLimiter } from "./limits.js";
import type { CompiledTcpRule, TcpRule } from "./tcp-rules.js";
import { cidrWithin, compileTcpRule } from "./tcp-rules.js";
import type { UrlRule } from "./url-rules.js";
import { parseUrlRule, urlRuleMatches } from "./url-rules.js";

/** What `createNetPolicy` takes. Everything not granted here is denied. */
export interface NetPolicyOptions {
  /** URL globs that may be fetched (see README for the dialect); empty = nothing; `"*"` = any URL. */
  readonly allowedUrls: readonly string[];
  /** URL globs that may never be fetched; they win over `allowedUrls`. */
  readonly blockedUrls: readonly string[];
  /** Allow private, loopback, link-local, metadata and other non-public addresses. Default false. */
  readonly allowPrivateNetwork?: boolean;
  /** TCP rules of the microVM tier, checked by `checkTcp`. */
  readonly rules?: readonly TcpRule[];
  /** Outgoing requests per second (token bucket, one-second burst); 0 or absent = unlimited. */
  readonly rateLimitRps?: number;
  /** Concurrent outgoing connections; 0 or absent = unlimited. */
  readonly maxConnections?: number;
  /** Longest `acquire()` waits before rejecting with `EgressLimitError`. Default 5000 ms. */
  readonly maxWaitMs?: number;
  /** Most callers that may wait in `acquire()` per limit. Default 256. */
  readonly maxWaiters?: number;
}

/** An address as `dns.lookup(…, { all: true })` returns it. */
export interface LookupAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to every address (promise form of `dns.lookup` with `all: true`). */
export type LookupFunction = (
  hostname: string,
  options: { all: true },
) => Promise<readonly LookupAddress[]>;

export interface ResolveOptions {
  /** Replaces `dns.promises.lookup` (tests, a caching resolver, a DNS-over-HTTPS client). */
  readonly lookup?: LookupFunction;
}

/** An allowed URL with the one address to connect to (checked; never look the name up again). */
export interface PinnedTarget extends Decision {
  readonly allowed: true;
  /** The URL, serialised by WHATWG `URL`. */
  readonly url: string;
  /** Host name for the Host header, SNI and certificate checks (no brackets, no trailing dot). */
  readonly hostname: string;
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
}

export type Resolution = PinnedTarget | (Decision & { readonly allowed: false });

/** A compiled egress policy: pure decisions, plus the limiter shared by every connection. */
export interface NetPolicy {
  /** Decide on a URL before DNS: scheme, blocked/allowed rules, literal addresses, special names. */
  checkUrl(url: string): Decision;
  /**
   * `checkUrl`, then resolve the host once and check every address it returns: a name that
   * resolves to any private address is denied unless granted. The result pins the address.
   */
  resolve(url: string, options?: ResolveOptions): Promise<Resolution>;
  /** Decide on a TCP connection of the microVM tier. `hostnameHint` must be a name the caller verified. */
  checkTcp(ip: string, port: number, hostnameHint?: string): Decision;
  /** Take a rate-limit token and a connection slot (bounded wait); call the result when done. */
  acquire(options?: AcquireOptions): Promise<Release>;
}

/** Which non-public addresses a decision lets through. */
type Grant = "all" | "none" | AddressCategory;

interface UrlEvaluation {
  readonly decision: Decision;
  readonly target?: UrlTarget;
  readonly grant: Grant;
}

/**
 * Compile `options` into a policy. Throws `NetPolicyRuleError` naming the first bad rule.
 * Deny by default: no allowed URL, no TCP rule, no private address unless listed here.
 */
export function createNetPolicy(options: NetPolicyOptions): NetPolicy {
  if (typeof options !== "object" || options === null) {
    throw new NetPolicyRuleError("options", undefined, undefined, "pass an options object");
  }
  const allowed = compileList(options.allowedUrls, "allowedUrls");
  const blocked = compileList(options.blockedUrls, "blockedUrls");
  const allowPrivate = options.allowPrivateNetwork === true;
  if (
    options.allowPrivateNetwork !== undefined &&
    typeof options.allowPrivateNetwork !== "boolean"
  ) {
    throw new NetPolicyRuleError(
      "allowPrivateNetwork",
      undefined,
      undefined,
      "must be true or false",
    );
  }
  const rules = options.rules ?? [];
  if (!Array.isArray(rules)) {
    throw new NetPolicyRuleError("rules", undefined, undefined, "must be a list of TCP rules");
  }
  const tcpRules = rules.map((rule, index) => compileTcpRule(rule, "rules", index));
  const limiter = new EgressLimiter({
    rateLimitRps: number(options.rateLimitRps, "rateLimitRps", 0, false),
    maxConnections: number(options.maxConnections, "maxConnections", 0, true),
    maxWaitMs: number(options.maxWaitMs, "maxWaitMs", 5000, false),
    maxWaiters: number(options.maxWaiters, "maxWaiters", 256, true),
  });

  const evaluate = (input: string): UrlEvaluation =>
    evaluateUrl(input, allowed, blocked, allowPrivate);

  const policy: NetPolicy = {
    checkUrl: (url) => evaluate(url).decision,
    resolve: async (url, resolveOptions = {}) => {
      const { decision, target, grant } = evaluate(url);
      if (!decision.allowed || target === undefined) return { ...decision, allowed: false };
      const hostname = target.ip ?? target.host;
      const pinned = (address: string, family: 4 | 6): PinnedTarget => ({
        ...decision,
        allowed: true,
        url: target.url.href,
        hostname,
        address,
        family,
        port: target.port,
      });
      if (target.ip !== undefined) return pinned(target.ip, target.family === 6 ? 6 : 4);

      const lookup = resolveOptions.lookup ?? defaultLookup;
      let addresses: readonly LookupAddress[];
      try {
        addresses = await lookup(target.host, { all: true });
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        throw new EgressLookupError(
          target.host,
          typeof code === "string" ? code : "lookup failed",
          {
            cause: error,
          },
        );
      }
      if (!Array.isArray(addresses) || addresses.length === 0) {
        throw new EgressLookupError(target.host, "no addresses");
      }
      // Every address is checked, not just the first: a name may not smuggle one private
      // address in among public ones, whichever the connection would have picked.
      for (const entry of addresses) {
        const address = typeof entry?.address === "string" ? entry.address : "";
        const family = nodeNet().isIP(address);
        if (family === 0 || address.includes("%")) {
          return deny(
            "invalid-address",
            `${target.host} resolved to ${JSON.stringify(address)}, not an IP address`,
          ) as Resolution;
        }
        const range = classifyAddress(address);
        if (range !== undefined && !granted(grant, range)) {
          return {
            ...deny(
              `${range.category} ${range.cidr}`,
              `${target.host} resolved to ${describeAddress(address, range)}; a host name grants public addresses only: set allowPrivateNetwork, or fetch the IP itself with a rule naming it`,
            ),
            allowed: false,
          };
        }
      }
      const first = addresses[0] as LookupAddress;
      return pinned(first.address, nodeNet().isIP(first.address) === 6 ? 6 : 4);
    },
    checkTcp: (ip, port, hostnameHint) => checkTcp(tcpRules, allowPrivate, ip, port, hostnameHint),
    acquire: (acquireOptions) => limiter.acquire(acquireOptions),
  };
  return Object.freeze(policy);
}

function evaluateUrl(
  input: string,
  allowed: readonly UrlRule[],
  blocked: readonly UrlRule[],
  allowPrivate: boolean,
): UrlEvaluation {
  if (typeof input !== "string") {
    return { decision: deny("invalid-url", "the URL must be a string"), grant: "none" };
  }
  const parsed = parseTarget(input);
  if (!parsed.ok) return { decision: deny(parsed.rule, parsed.reason), grant: "none" };
  const target = parsed.target;

  const block = blocked.find((rule) => urlRuleMatches(rule, target, "block"));
  if (block) {
    return {
      decision: deny(
        ruleName("blockedUrls", block.index, block.raw),
        "the URL matches a blocked rule; blocked rules win over allowed ones",
      ),
      grant: "none",
    };
  }
  const rule = allowed.find((r) => urlRuleMatches(r, target, "allow"));
  if (!rule) {
    const port = target.port === DEFAULT_PORT[target.scheme] ? "" : `:${target.port}`;
    return {
      decision: deny(
        "default-deny",
        `${target.scheme}//${target.host}${port} matches no allowedUrls rule; add one such as "${target.scheme}//${target.host}${port}/**"`,
      ),
      grant: "none",
    };
  }
  const name = ruleName("allowedUrls", rule.index, rule.raw);
  // A rule "names" a special destination only when it spells out that exact host: a wildcard
  // or "*" grants the public internet, never the host's own network.
  const explicit = rule.literalHost !== undefined && rule.literalHost === target.host;
  let grant: Grant = allowPrivate ? "all" : "none";
  let note = "";
  if (target.ip !== undefined) {
    const range = classifyAddress(target.ip);
    if (range !== undefined) {
      if (!allowPrivate && !explicit) {
        return {
          decision: deny(
            `${range.category} ${range.cidr}`,
            `${describeAddress(target.ip, range)}; ${grantHint(target.host)}`,
          ),
          grant: "none",
        };
      }
      note = allowPrivate
        ? " (allowPrivateNetwork)"
        : ` (${range.category} address named explicitly)`;
    }
  } else {
    const category = classifyName(target.host);
    if (category !== undefined) {
      if (!allowPrivate && !explicit) {
        return {
          decision: deny(
            `${category} ${target.host}`,
            `${target.host} is a ${category} name; ${grantHint(target.host)}`,
          ),
          grant: "none",
        };
      }
      if (!allowPrivate) grant = category;
      note = allowPrivate ? " (allowPrivateNetwork)" : ` (${category} name named explicitly)`;
    }
  }
  if (target.url.username !== "" || target.url.password !== "") {
    return {
      decision: deny(
        "credentials-in-url",
        "URLs may not carry user:password@; send credentials in an Authorization header instead",
      ),
      grant: "none",
    };
  }
  return { decision: allow(name, `the URL matches an allowed rule${note}`), target, grant };
}

function granted(grant: Grant, range: SpecialRange): boolean {
  if (grant === "all") return true;
  if (grant === "none") return false;
  return grant === range.category;
}

function grantHint(host: string): string {
  return `name it in allowedUrls (like "http://${host}:PORT/**") or set allowPrivateNetwork`;
}

function checkTcp(
  rules: readonly CompiledTcpRule[],
  allowPrivate: boolean,
  ip: string,
  port: number,
  hostnameHint: string | undefined,
): Decision {
  const family = typeof ip === "string" && !ip.includes("%") ? nodeNet().isIP(ip) : 0;
  if (family !== 4 && family !== 6) {
    return deny(
      "invalid-address",
      `${JSON.stringify(String(ip)).slice(0, 80)} is not an IP address`,
    );
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return deny("invalid-port", `port ${String(port)} is not 1–65535`);
  }
  const range = classifyAddress(ip);
  const hint = canonicalHint(hostnameHint);
  let refused: CompiledTcpRule | undefined;
  for (const rule of rules) {
    if (!rule.matchesPort(port)) continue;
    let matches = false;
    let grants = allowPrivate;
    if (rule.cidr !== undefined) {
      matches = rule.cidr.list.check(ip, family === 4 ? "ipv4" : "ipv6");
      if (range !== undefined && cidrWithin(rule.cidr, range)) grants = true;
    } else if (rule.host !== undefined) {
      matches = hint !== undefined && rule.host.glob.test(hint);
      const literal = rule.host.literal;
      if (range !== undefined && literal !== undefined) {
        const named =
          literal === ip || literal === `[${ip}]` || classifyName(literal) === range.category;
        if (named) grants = true;
      }
    } else {
      matches = range === undefined; // public-internet never covers special ranges
    }
    if (!matches) continue;
    if (range === undefined || grants) {
      const note = range === undefined ? "" : ` (${range.category} ${range.cidr} granted)`;
      return allow(rule.name, `${ip}:${port} matches the rule${note}`);
    }
    refused ??= rule;
  }
  if (range !== undefined) {
    const extra = refused ? ` (${refused.name} matches but does not name that range)` : "";
    return deny(
      `${range.category} ${range.cidr}`,
      `${describeAddress(ip, range)}${extra}; name it with acceptTcp({ cidr }) or set allowPrivateNetwork`,
    );
  }
  return deny(
    "default-deny",
    `${ip}:${port} matches no TCP rule; add acceptTcp, acceptHost or acceptPublicInternet`,
  );
}

function canonicalHint(hint: string | undefined): string | undefined {
  if (typeof hint !== "string" || hint === "" || /[/?#@\s]/.test(hint)) return undefined;
  try {
    return new URL(`http://${hint}/`).hostname.replace(/\.+$/, "");
  } catch {
    return undefined;
  }
}

function compileList(list: unknown, field: string): UrlRule[] {
  if (!Array.isArray(list)) {
    throw new NetPolicyRuleError(
      field,
      undefined,
      undefined,
      "must be a list of URL globs (use [] for none)",
    );
  }
  return list.map((raw, index) => parseUrlRule(raw, field, index));
}

function number(value: unknown, field: string, fallback: number, integer: boolean): number {
  const unlimited = field === "rateLimitRps" || field === "maxConnections";
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value < 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new NetPolicyRuleError(
      field,
      undefined,
      undefined,
      `must be a ${integer ? "whole " : ""}number ≥ 0${unlimited ? " (0 = unlimited)" : ""}, got ${String(value)}`,
    );
  }
  return value;
}

// node:dns is loaded on the first lookup, not when a policy module is imported.
const require = createRequire(import.meta.url);
let dnsPromises: typeof Dns.promises | undefined;
const defaultLookup: LookupFunction = (hostname, options) =>
  (dnsPromises ??= (require("node:dns") as typeof Dns).promises).lookup(hostname, {
    all: options.all,
    verbatim: true,
  });
