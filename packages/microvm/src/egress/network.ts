import { lookup as dnsLookup } from "node:dns/promises";
import { existsSync } from "node:fs";
import { connect, createServer, isIPv4, type Server, type Socket } from "node:net";
import { dirname, join } from "node:path";
import {
  createNetPolicy,
  type Decision,
  type LookupFunction,
  type NetPolicy,
  type TcpRule,
} from "@airlock/netpolicy";
import { VmOptionsError } from "../errors.js";
import { answer, formErr, parseQuery, QTYPE_A, RCODE } from "./dns.js";
import { HttpInterceptor } from "./intercept.js";

/**
 * Egress of a microVM. Without it the VM has no network device at all. With it, the guest gets
 * QEMU user networking with `restrict=on`: it can reach only forwarded addresses, each of which
 * lands in the host's data plane, which checks the real destination with `@airlock/netpolicy`
 * before connecting (default deny).
 */
export interface NetworkOptions {
  /** `acceptTcp`, `acceptHost`, `acceptPublicInternet` from `@airlock/netpolicy`; ports must be listed. */
  rules: readonly TcpRule[];
  /** Guest addresses handed out by the DNS responder for allowed names. Default 8. */
  dnsSlots?: number;
  /** Host-side resolver (tests); default `dns.lookup`. */
  lookup?: LookupFunction;
  /** CAs (PEM) the host trusts for upstream TLS of intercepted HTTPS; default Node's store. */
  upstreamCa?: string | readonly string[];
}

/** One decision of the data plane, kept for the host (`vm.network.events`). */
export interface EgressEvent {
  kind: "tcp" | "dns";
  /** The real destination (IP) for TCP, the name asked for DNS. */
  target: string;
  port?: number;
  hostname?: string;
  allowed: boolean;
  rule: string;
}

const SUBNET = "10.0.2";
const FIXED_BASE = 100;
const SLOT_BASE = 200;
const MAX_PORTS = 32;
export const GUEST_RESOLVER = `${SUBNET}.3`;

interface Fixed {
  guest: string;
  ip: string;
  ports: number[];
}

function expandPorts(rule: TcpRule, index: number): number[] {
  if (rule.ports === "*") {
    throw new VmOptionsError(
      `network.rules[${index}]`,
      'list the ports (user networking forwards fixed ports, so "*" cannot be served)',
    );
  }
  const out: number[] = [];
  for (const p of rule.ports) {
    if (typeof p === "number") out.push(p);
    else for (let x = p[0]; x <= p[1] && out.length <= MAX_PORTS; x++) out.push(x);
  }
  return out;
}

/** The guest-visible side of a policy: fixed forwards for single addresses, a slot pool for names. */
export class EgressPlan {
  readonly fixed: Fixed[] = [];
  readonly ports: number[];
  readonly slots: number;
  readonly policy: NetPolicy;

  constructor(readonly options: NetworkOptions) {
    if (!options || !Array.isArray(options.rules)) {
      throw new VmOptionsError("network", "give { rules: [acceptTcp(…), acceptHost(…), …] }");
    }
    // createNetPolicy validates every rule (NetPolicyRuleError names the bad one).
    this.policy = createNetPolicy({ allowedUrls: [], blockedUrls: [], rules: options.rules });
    const ports = new Set<number>();
    options.rules.forEach((rule, i) => {
      const rulePorts = expandPorts(rule, i);
      rulePorts.forEach((p) => ports.add(p));
      if (rule.kind === "tcp") {
        const [ip, prefix] = rule.cidr.split("/");
        if (ip && isIPv4(ip) && (prefix === undefined || prefix === "32")) {
          const existing = this.fixed.find((f) => f.ip === ip);
          if (existing) existing.ports = [...new Set([...existing.ports, ...rulePorts])];
          else
            this.fixed.push({
              guest: `${SUBNET}.${FIXED_BASE + this.fixed.length}`,
              ip,
              ports: rulePorts,
            });
        }
      }
    });
    if (ports.size > MAX_PORTS) {
      throw new VmOptionsError("network.rules", `at most ${MAX_PORTS} distinct ports`);
    }
    if (this.fixed.length > SLOT_BASE - FIXED_BASE) {
      throw new VmOptionsError("network.rules", "too many single-address rules");
    }
    this.ports = [...ports].sort((a, b) => a - b);
    this.slots = options.dnsSlots ?? 8;
    if (!Number.isInteger(this.slots) || this.slots < 0 || this.slots > 50) {
      throw new VmOptionsError("network.dnsSlots", "give an integer from 0 to 50");
    }
  }

  /** `guestfwd` entries: each guest (address, port) runs `fwd SOCKET TAG` per connection. */
  guestForwards(fwd: string, socket: string): string[] {
    const cmd = (addr: string, port: number, tag: string) =>
      `tcp:${addr}:${port}-cmd:${fwd} ${socket} ${tag}`;
    const out = [cmd(GUEST_RESOLVER, 53, "dns")];
    this.fixed.forEach((f, i) => f.ports.forEach((p) => out.push(cmd(f.guest, p, `f:${i}:${p}`))));
    for (let j = 0; j < this.slots; j++) {
      for (const p of this.ports) out.push(cmd(`${SUBNET}.${SLOT_BASE + j}`, p, `s:${j}:${p}`));
    }
    return out;
  }
}

/** The forwarder binary `build-artifacts.sh` compiles next to the images. */
export function forwarderPath(imageDir: string): string {
  const path = join(dirname(imageDir), "bin", "airlock-fwd");
  if (!existsSync(path)) {
    throw new VmOptionsError(
      "network",
      `${path} is missing: run packages/microvm/scripts/build-artifacts.sh to build it`,
    );
  }
  return path;
}

/**
 * The host side of a VM's network: DNS answered from the policy, and every TCP connection
 * checked on its real destination before the host connects. Anything unexpected closes the
 * guest's connection: the data plane fails closed.
 */
export class VmNetwork {
  /** Decisions in order (bounded to the last 1,000). */
  readonly events: EgressEvent[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly slots: ({ name: string; address: string } | undefined)[];
  private nextSlot = 0;
  /** HTTP(S) hooks: `vm.http.onRequest({ origin }, (req) => req.headers.set(…))`. */
  readonly http: HttpInterceptor;

  /** @internal */
  constructor(private readonly plan: EgressPlan) {
    const ca = plan.options.upstreamCa;
    this.http = new HttpInterceptor(
      ca === undefined ? undefined : typeof ca === "string" ? [ca] : [...ca],
    );
    this.slots = new Array(plan.slots).fill(undefined);
    this.server = createServer({ allowHalfOpen: true }, (s) => this.accept(s));
  }

  /** @internal */
  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(path, resolve);
    });
  }

  /** The guest address that reaches `ip` (a single-address `acceptTcp` rule), if any. */
  addressOf(ip: string): string | undefined {
    return this.plan.fixed.find((f) => f.ip === ip)?.guest;
  }

  /** @internal */
  close(): void {
    this.server.close();
    this.http.close();
    for (const s of this.sockets) s.destroy();
  }

  private record(e: EgressEvent): void {
    this.events.push(e);
    if (this.events.length > 1000) this.events.shift();
  }

  private accept(guest: Socket): void {
    this.sockets.add(guest);
    guest.on("close", () => this.sockets.delete(guest));
    guest.on("error", () => guest.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(0x0a);
      if (nl < 0) {
        if (head.length > 64) guest.destroy();
        return;
      }
      guest.off("data", onData);
      guest.pause();
      const tag = head.subarray(0, nl).toString("latin1");
      const rest = head.subarray(nl + 1);
      const route = tag === "dns" ? this.serveDns(guest, rest) : this.forward(guest, tag, rest);
      route.catch(() => guest.destroy());
    };
    guest.on("data", onData);
  }

  private decide(ip: string, port: number, hostname: string | undefined): Decision {
    try {
      return this.plan.policy.checkTcp(ip, port, hostname);
    } catch {
      // A rule that throws denies: the policy fails closed.
      return { allowed: false, rule: "error", reason: "the policy threw" };
    }
  }

  private async forward(guest: Socket, tag: string, early: Buffer): Promise<void> {
    const m = /^([fs]):(\d+):(\d+)$/.exec(tag);
    const index = Number(m?.[2]);
    const port = Number(m?.[3]);
    let ip: string | undefined;
    let hostname: string | undefined;
    if (m?.[1] === "f") ip = this.plan.fixed[index]?.ip;
    else if (m?.[1] === "s") {
      const slot = this.slots[index];
      ip = slot?.address;
      hostname = slot?.name;
    }
    if (!ip) {
      this.record({ kind: "tcp", target: tag, port, allowed: false, rule: "unmapped" });
      guest.destroy();
      return;
    }
    const decision = this.decide(ip, port, hostname);
    this.record({
      kind: "tcp",
      target: ip,
      port,
      ...(hostname ? { hostname } : {}),
      allowed: decision.allowed,
      rule: decision.rule,
    });
    if (!decision.allowed) {
      guest.destroy();
      return;
    }
    const dest = { ip, port, ...(hostname ? { hostname } : {}) };
    if (this.http.candidates(dest).length > 0) {
      // Is it HTTP or TLS? The first byte tells; hooks are picked from the checked destination.
      let first = early;
      if (first.length === 0) {
        first = await new Promise<Buffer>((resolve) => {
          guest.once("data", (c: Buffer) => {
            guest.pause();
            resolve(c);
          });
          guest.once("close", () => resolve(Buffer.alloc(0)));
          guest.resume();
        });
        if (first.length === 0) return;
      }
      if (this.http.serve(guest, dest, first)) return;
      early = first;
    }
    const upstream = connect({ host: ip, port, allowHalfOpen: true });
    this.sockets.add(upstream);
    upstream.on("close", () => this.sockets.delete(upstream));
    upstream.once("connect", () => {
      if (early.length > 0) upstream.write(early);
      guest.pipe(upstream);
      upstream.pipe(guest);
      guest.resume();
    });
    upstream.on("error", () => guest.destroy());
    guest.on("close", () => upstream.destroy());
    upstream.on("close", () => guest.destroy());
  }

  /** DNS over TCP (2-byte length prefix), any number of queries on one connection. */
  private async serveDns(guest: Socket, early: Buffer): Promise<void> {
    let buf = early;
    const drain = async () => {
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) return;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        const reply = await this.dnsAnswer(msg);
        const framed = Buffer.alloc(2 + reply.length);
        framed.writeUInt16BE(reply.length, 0);
        reply.copy(framed, 2);
        guest.write(framed);
      }
    };
    let chain = drain();
    guest.on("data", (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length > 65_537 * 4) guest.destroy();
      chain = chain.then(drain).catch(() => {
        guest.destroy();
      });
    });
    guest.on("end", () => void chain.finally(() => guest.end()));
    guest.resume();
    await chain;
  }

  private async dnsAnswer(msg: Buffer): Promise<Buffer> {
    const q = parseQuery(msg);
    if (!q) return formErr(msg);
    const deny = (rule: string) => {
      this.record({ kind: "dns", target: q.name, allowed: false, rule });
      return answer(q, RCODE.REFUSED);
    };
    if (q.name === "" || q.klass !== 1) return deny("invalid-name");
    let addresses: { address: string; family: number }[];
    try {
      const lookup = this.plan.options.lookup ?? ((h: string) => dnsLookup(h, { all: true }));
      addresses = [...(await lookup(q.name, { all: true }))];
    } catch {
      this.record({ kind: "dns", target: q.name, allowed: false, rule: "nxdomain" });
      return answer(q, RCODE.NXDOMAIN);
    }
    // The name is allowed if its first IPv4 address passes the policy on some forwarded port.
    const v4 = addresses.find((a) => a.family === 4 && isIPv4(a.address));
    if (!v4) return deny("no-ipv4-address");
    const decision = this.plan.ports
      .map((p) => this.decide(v4.address, p, q.name))
      .find((d) => d.allowed);
    if (!decision || this.slots.length === 0)
      return deny(decision ? "no-dns-slots" : "default-deny");
    this.record({ kind: "dns", target: q.name, allowed: true, rule: decision.rule });
    if (q.type !== QTYPE_A) return answer(q, RCODE.NOERROR); // NODATA: IPv4 only
    let j = this.slots.findIndex((s) => s?.name === q.name);
    if (j < 0) {
      j = this.nextSlot;
      this.nextSlot = (this.nextSlot + 1) % this.slots.length;
    }
    // The address is pinned here: connections to this slot go where the policy checked.
    this.slots[j] = { name: q.name, address: v4.address };
    return answer(q, RCODE.NOERROR, `${SUBNET}.${SLOT_BASE + j}`);
  }
}
