import type { BlockList } from "node:net";
import { nodeNet } from "./node-net.js";
import type { SpecialRange } from "./address.js";
import { rangeContains } from "./address.js";
import { NetPolicyRuleError } from "./errors.js";
import type { Matcher } from "./url-rules.js";
import { compileHostPattern } from "./url-rules.js";

/** Ports a TCP rule accepts: `"*"` for any, or a list of ports and inclusive `[low, high]` ranges. */
export type PortSpec = "*" | readonly (number | readonly [number, number])[];

/** Accept connections to addresses inside `cidr` ("10.0.0.0/8", "2001:db8::/32", or one IP). */
export interface TcpCidrRule {
  readonly kind: "tcp";
  readonly cidr: string;
  readonly ports: PortSpec;
}

/** Accept connections to any public address (never a private, loopback or metadata one). */
export interface TcpPublicInternetRule {
  readonly kind: "public-internet";
  readonly ports: PortSpec;
}

/**
 * Accept connections whose verified host name matches `host` (a host pattern as in URL rules:
 * `api.example.com`, `*.example.com`). The address must still be public unless granted.
 */
export interface TcpHostRule {
  readonly kind: "host";
  readonly host: string;
  readonly ports: PortSpec;
}

/** A rule of the microVM tier's TCP egress, built by `acceptTcp`, `acceptPublicInternet`, `acceptHost`. */
export type TcpRule = TcpCidrRule | TcpPublicInternetRule | TcpHostRule;

/** Accept TCP to `cidr` on `ports`. Naming a private range here grants it (see README). */
export function acceptTcp(options: { cidr: string; ports: PortSpec }): TcpCidrRule {
  const rule: TcpCidrRule = Object.freeze({
    kind: "tcp",
    cidr: options.cidr,
    ports: options.ports,
  });
  compileTcpRule(rule, "acceptTcp", undefined);
  return rule;
}

/** Accept TCP to any public address on `ports`. */
export function acceptPublicInternet(options: { ports: PortSpec }): TcpPublicInternetRule {
  const rule: TcpPublicInternetRule = Object.freeze({
    kind: "public-internet",
    ports: options.ports,
  });
  compileTcpRule(rule, "acceptPublicInternet", undefined);
  return rule;
}

/** Accept TCP to hosts matching `host` on `ports` (the caller supplies a verified name hint). */
export function acceptHost(options: { host: string; ports: PortSpec }): TcpHostRule {
  const rule: TcpHostRule = Object.freeze({
    kind: "host",
    host: options.host,
    ports: options.ports,
  });
  compileTcpRule(rule, "acceptHost", undefined);
  return rule;
}

export interface CompiledTcpRule {
  readonly rule: TcpRule;
  readonly name: string;
  matchesPort(port: number): boolean;
  /** Address-level match (CIDR rules); undefined for rules that don't look at the address. */
  readonly cidr:
    | {
        readonly list: BlockList;
        readonly network: string;
        readonly prefix: number;
        readonly family: 4 | 6;
      }
    | undefined;
  /** Host-level match (host rules). */
  readonly host: { readonly glob: Matcher; readonly literal: string | undefined } | undefined;
}

export function compileTcpRule(
  rule: unknown,
  field: string,
  index: number | undefined,
): CompiledTcpRule {
  const fail = (hint: string): never => {
    throw new NetPolicyRuleError(field, index, undefined, hint);
  };
  if (typeof rule !== "object" || rule === null) {
    return fail("a TCP rule must be built with acceptTcp, acceptPublicInternet or acceptHost");
  }
  const r = rule as Partial<Record<string, unknown>>;
  if (r.kind !== "tcp" && r.kind !== "public-internet" && r.kind !== "host") {
    return fail(
      `unknown rule kind ${JSON.stringify(r.kind)}; build rules with acceptTcp, acceptPublicInternet or acceptHost`,
    );
  }
  const ports = compilePorts(r.ports, fail);
  const shownPorts = r.ports === "*" ? "any port" : `ports ${JSON.stringify(r.ports)}`;
  const where = index === undefined ? field : `${field}[${index}]`;
  switch (r.kind) {
    case "tcp": {
      const cidr = compileCidr(r.cidr, fail);
      return {
        rule: rule as TcpRule,
        name: `${where} tcp ${cidr.network}/${cidr.prefix} ${shownPorts}`,
        matchesPort: ports,
        cidr,
        host: undefined,
      };
    }
    case "public-internet":
      return {
        rule: rule as TcpRule,
        name: `${where} public-internet ${shownPorts}`,
        matchesPort: ports,
        cidr: undefined,
        host: undefined,
      };
    default: {
      if (typeof r.host !== "string" || r.host.trim() === "" || /\s/.test(r.host)) {
        return fail('host must be a host name or pattern such as "api.example.com"');
      }
      let host: { glob: Matcher; literal: string | undefined };
      try {
        host = compileHostPattern(r.host);
      } catch (error) {
        return fail(error instanceof Error ? error.message : String(error));
      }
      return {
        rule: rule as TcpRule,
        name: `${where} host ${JSON.stringify(r.host)} ${shownPorts}`,
        matchesPort: ports,
        cidr: undefined,
        host,
      };
    }
  }
}

/** Whether a CIDR rule's network lies wholly inside `range`: only then does it grant that range. */
export function cidrWithin(
  cidr: NonNullable<CompiledTcpRule["cidr"]>,
  range: SpecialRange,
): boolean {
  return cidr.prefix >= range.prefix && rangeContains(range, cidr.network, cidr.family);
}

function compileCidr(
  value: unknown,
  fail: (hint: string) => never,
): NonNullable<CompiledTcpRule["cidr"]> {
  if (typeof value !== "string" || value.trim() === "") {
    return fail('cidr must be a string such as "10.0.0.0/8", "2001:db8::/32" or "203.0.113.7"');
  }
  const [network = "", prefixText, extra] = value.split("/");
  const family = nodeNet().isIP(network);
  if ((family !== 4 && family !== 6) || extra !== undefined || network.includes("%")) {
    return fail(
      `cidr ${JSON.stringify(value)} is not an IP address or IP/prefix; write it like "10.0.0.0/8"`,
    );
  }
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) {
    return fail(`cidr ${JSON.stringify(value)} has a bad prefix length; use 0–${max}`);
  }
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    return fail(`cidr ${JSON.stringify(value)} has prefix length ${prefix}; use 0–${max}`);
  }
  const list = new (nodeNet().BlockList)();
  list.addSubnet(network, prefix, family === 4 ? "ipv4" : "ipv6");
  return { list, network, prefix, family };
}

function compilePorts(value: unknown, fail: (hint: string) => never): (port: number) => boolean {
  if (value === "*") return () => true;
  if (!Array.isArray(value) || value.length === 0) {
    return fail('ports must be "*" or a non-empty list of ports and [low, high] ranges');
  }
  const ranges: (readonly [number, number])[] = [];
  for (const entry of value as unknown[]) {
    const [low, high] = Array.isArray(entry) ? (entry as unknown[]) : [entry, entry];
    if (!isPort(low) || !isPort(high) || (Array.isArray(entry) && entry.length !== 2)) {
      return fail(`port ${JSON.stringify(entry)} is out of range; ports are integers 1–65535`);
    }
    if (low > high)
      return fail(`port range ${JSON.stringify(entry)} is reversed; write [low, high]`);
    ranges.push([low, high]);
  }
  return (port) => ranges.some(([low, high]) => port >= low && port <= high);
}

function isPort(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65535;
}
