import type { BlockList } from "node:net";
import { nodeNet } from "./node-net.js";

/**
 * Address ranges that are never "the public internet": reaching them from a sandbox means
 * reaching the host, its network, or the cloud's metadata service. Denied unless granted.
 */
export type AddressCategory =
  | "private-range"
  | "loopback"
  | "link-local"
  | "metadata"
  | "unspecified"
  | "ipv4-mapped"
  | "ipv4-compatible"
  | "nat64"
  | "6to4"
  | "multicast"
  | "broadcast"
  | "reserved";

export interface SpecialRange {
  readonly category: AddressCategory;
  readonly network: string;
  readonly prefix: number;
  readonly family: 4 | 6;
  readonly cidr: string;
}

interface CompiledRange extends SpecialRange {
  readonly list: BlockList;
}

const V4: readonly (readonly [AddressCategory, string, number])[] = [
  ["unspecified", "0.0.0.0", 8], // 0.0.0.0 reaches the local host on Linux
  ["private-range", "10.0.0.0", 8],
  ["private-range", "100.64.0.0", 10], // carrier-grade NAT; some clouds put services here
  ["metadata", "100.100.100.200", 32], // Alibaba Cloud metadata
  ["loopback", "127.0.0.0", 8],
  ["link-local", "169.254.0.0", 16],
  ["metadata", "169.254.169.254", 32], // AWS, GCP, Azure, OpenStack, …
  ["metadata", "169.254.170.2", 32], // AWS ECS task metadata
  ["private-range", "172.16.0.0", 12],
  ["reserved", "192.0.0.0", 24],
  ["reserved", "192.0.2.0", 24],
  ["private-range", "192.168.0.0", 16],
  ["reserved", "198.18.0.0", 15],
  ["reserved", "198.51.100.0", 24],
  ["reserved", "203.0.113.0", 24],
  ["multicast", "224.0.0.0", 4],
  ["reserved", "240.0.0.0", 4],
  ["broadcast", "255.255.255.255", 32],
];

const V6: readonly (readonly [AddressCategory, string, number])[] = [
  ["unspecified", "::", 128],
  ["loopback", "::1", 128],
  ["ipv4-compatible", "::", 96], // deprecated "::a.b.c.d"; "::7f00:1" must not reach 127.0.0.1
  ["ipv4-mapped", "::ffff:0:0", 96], // "::ffff:127.0.0.1" is 127.0.0.1 on a dual-stack socket
  ["nat64", "64:ff9b::", 96],
  ["nat64", "64:ff9b:1::", 48],
  ["reserved", "100::", 64],
  ["reserved", "2001:db8::", 32],
  ["6to4", "2002::", 16],
  ["private-range", "fc00::", 7],
  ["metadata", "fd00:ec2::254", 128], // AWS metadata over IPv6
  ["link-local", "fe80::", 10],
  ["private-range", "fec0::", 10], // deprecated site-local
  ["multicast", "ff00::", 8],
];

function compile(
  rows: readonly (readonly [AddressCategory, string, number])[],
  family: 4 | 6,
): readonly CompiledRange[] {
  return rows
    .map(([category, network, prefix]) => {
      const list = new (nodeNet().BlockList)();
      list.addSubnet(network, prefix, family === 4 ? "ipv4" : "ipv6");
      return { category, network, prefix, family, cidr: `${network}/${prefix}`, list };
    })
    .sort((a, b) => b.prefix - a.prefix); // narrowest first, so the first hit is the narrowest
}

/** Compiled on first use (it needs node:net's BlockList; see node-net.ts). */
let ranges: { 4: readonly CompiledRange[]; 6: readonly CompiledRange[] } | undefined;

/**
 * The narrowest special range holding `ip`, or undefined for a public address. `ip` must satisfy
 * `isIP` and carry no zone id. Each family is checked only against its own ranges: `BlockList`
 * treats IPv4-mapped IPv6 as the IPv4 address, and here "::ffff:…" is a category of its own.
 */
export function classifyAddress(ip: string): SpecialRange | undefined {
  const family = nodeNet().isIP(ip);
  if (family !== 4 && family !== 6) return undefined;
  const type = family === 4 ? "ipv4" : "ipv6";
  return (ranges ??= { 4: compile(V4, 4), 6: compile(V6, 6) })[family].find((range) =>
    range.list.check(ip, type),
  );
}

/** Whether `ip` (of `family`) lies inside `range`. */
export function rangeContains(range: SpecialRange, ip: string, family: 4 | 6): boolean {
  if (range.family !== family) return false;
  const list = new (nodeNet().BlockList)();
  list.addSubnet(range.network, range.prefix, family === 4 ? "ipv4" : "ipv6");
  return list.check(ip, family === 4 ? "ipv4" : "ipv6");
}

/** "::ffff:7f00:1 (carries 127.0.0.1) is not a public address": a readable reason. */
export function describeAddress(ip: string, range: SpecialRange): string {
  const embedded = embeddedIpv4(ip, range);
  const detail = embedded === undefined ? `in ${range.cidr}` : `carries ${embedded}`;
  return `${ip} (${detail}) is not a public address`;
}

function embeddedIpv4(ip: string, range: SpecialRange): string | undefined {
  if (!["ipv4-mapped", "ipv4-compatible", "nat64"].includes(range.category)) return undefined;
  const groups = expandIpv6(ip);
  if (groups === undefined) return undefined;
  const hi = groups[6] ?? 0;
  const lo = groups[7] ?? 0;
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
}

/** Eight 16-bit groups of a valid IPv6 address (used only to name an embedded IPv4). */
function expandIpv6(ip: string): number[] | undefined {
  let text = ip;
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (nodeNet().isIP(tail) === 4) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split(".").map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", rest] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = rest === undefined || rest === "" ? [] : rest.split(":");
  const fill = rest === undefined ? [] : new Array(8 - left.length - right.length).fill("0");
  const groups = [...left, ...fill, ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** Host names that mean a special address before any DNS is asked. */
export function classifyName(host: string): "loopback" | "metadata" | undefined {
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback"; // RFC 6761
  if (host === "metadata.google.internal" || host === "metadata") return "metadata";
  return undefined;
}
