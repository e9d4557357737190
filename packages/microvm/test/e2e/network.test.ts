import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { SandboxCa } from "../../src/egress/ca.js";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import { acceptTcp } from "@airlock/netpolicy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMicroVm, type MicroVm } from "../../src/index.js";

// One real VM with an egress policy, against real servers on the host's loopback. The guest can
// reach them only through the policy: the allowed server by its forward, the denied one never.

/** A DNS query for `name` (type A) as a busybox printf string of octal escapes, TCP-framed. */
function dnsQuery(name: string, id: number): string {
  const labels = name.split(".").flatMap((l) => [l.length, ...Buffer.from(l)]);
  const body = Buffer.from([
    id >> 8,
    id & 255,
    1,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    ...labels,
    0,
    0,
    1,
    0,
    1,
  ]);
  const framed = Buffer.concat([Buffer.from([0, body.length]), body]);
  return [...framed].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("");
}

describe("egress through the host's data plane", () => {
  let vm: MicroVm;
  let allowed: HttpServer;
  let tlsOrigin: HttpServer;
  let tlsUntrusted: HttpServer;
  let tlsPort: number;
  let tlsUntrustedPort: number;
  const tlsSeen: Record<string, string | string[] | undefined>[] = [];
  let tlsConnections = 0;
  // The origins' own CA: the host trusts it for upstream TLS (upstreamCa); `rogue` it does not.
  const originCa = new SandboxCa("test origin CA");
  const rogueCa = new SandboxCa("rogue CA");
  let denied: Server;
  let allowedPort: number;
  let deniedPort: number;
  const deniedHits: string[] = [];
  const seenHeaders: Record<string, string | string[] | undefined>[] = [];

  const sh = async (script: string) => {
    const r = await vm.exec({ argv: ["sh", "-c", script], timeoutMs: 30_000 });
    return r.stdout + r.stderr;
  };
  /** rcode and answer count of the reply to a query sent from inside the guest. */
  const resolve = async (name: string) => {
    const hex = await sh(
      `printf '${dnsQuery(name, 0x1234)}' | timeout 5 nc 10.0.2.3 53 | od -An -tx1 -v`,
    );
    const bytes = hex
      .split(/\s+/)
      .filter(Boolean)
      .map((h) => parseInt(h, 16));
    // 2-byte TCP length, then the header: id, flags (rcode = low 4 bits), qd, an, …
    return {
      id: (bytes[2]! << 8) | bytes[3]!,
      rcode: bytes[5]! & 15,
      answers: bytes[9],
      tail: bytes.slice(-4),
    };
  };

  beforeAll(async () => {
    allowed = createHttpServer((req, res) => {
      seenHeaders.push(req.headers);
      if (req.url === "/redirect") {
        res.writeHead(302, { location: `http://10.0.2.100:${deniedPort}/stolen` }).end();
        return;
      }
      res.end(`allowed ${req.url}\n`);
    });
    tlsOrigin = createHttpsServer(originCa.issue("127.0.0.1"), (req, res) => {
      tlsSeen.push(req.headers);
      res.end(`tls origin ${req.url}\n`);
    });
    tlsOrigin.on("secureConnection", () => tlsConnections++);
    // Idle upstream connections must outlive a slow guest between two requests.
    tlsOrigin.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => tlsOrigin.listen(0, "127.0.0.1", r));
    tlsPort = (tlsOrigin.address() as AddressInfo).port;
    tlsUntrusted = createHttpsServer(rogueCa.issue("127.0.0.1"), (_req, res) => res.end("rogue\n"));
    await new Promise<void>((r) => tlsUntrusted.listen(0, "127.0.0.1", r));
    tlsUntrustedPort = (tlsUntrusted.address() as AddressInfo).port;
    await new Promise<void>((r) => allowed.listen(0, "127.0.0.1", r));
    allowedPort = (allowed.address() as AddressInfo).port;
    denied = createTcpServer((s) => {
      deniedHits.push(String(s.remoteAddress));
      s.end("denied server reached\n");
    });
    await new Promise<void>((r) => denied.listen(0, "127.0.0.1", r));
    deniedPort = (denied.address() as AddressInfo).port;
    vm = await createMicroVm({
      network: {
        rules: [
          acceptTcp({ cidr: "127.0.0.1/32", ports: [allowedPort, tlsPort, tlsUntrustedPort] }),
        ],
        upstreamCa: originCa.certificatePem,
        // Host-side resolution under test control: names of local addresses.
        lookup: async (name) => {
          const table: Record<string, string> = {
            "ok.test": "127.0.0.1",
            "private.test": "10.1.2.3",
          };
          const address = table[name];
          if (!address) throw Object.assign(new Error("ENOTFOUND"), { code: "ENOTFOUND" });
          return [{ address, family: 4 }];
        },
      },
    });
  }, 90_000);

  afterAll(async () => {
    await vm?.close();
    allowed?.close();
    tlsOrigin?.close();
    tlsUntrusted?.close();
    denied?.close();
  });

  it("reaches a granted host port through its forward, and the host sees the real request", async () => {
    const guestAddr = vm.network!.addressOf("127.0.0.1");
    expect(guestAddr).toBe("10.0.2.100");
    expect(await sh(`wget -qO- http://${guestAddr}:${allowedPort}/hello`)).toBe("allowed /hello\n");
    expect(vm.network!.events.at(-1)).toMatchObject({
      kind: "tcp",
      target: "127.0.0.1",
      port: allowedPort,
      allowed: true,
    });
  });

  it("refuses raw TCP to a denied port, the host address, the internet and unmapped slots", async () => {
    const out = await sh(
      `for t in "10.0.2.100 ${deniedPort}" "10.0.2.2 ${deniedPort}" "10.0.2.2 ${allowedPort}" "1.1.1.1 80" "10.0.2.201 ${allowedPort}" "127.0.0.1 ${deniedPort}"; do ` +
        `echo ping | timeout 5 nc $t; echo "rc=$?"; done`,
    );
    expect(out).not.toContain("denied server reached");
    expect(out).not.toContain("allowed");
    expect(deniedHits).toEqual([]);
    // The unmapped DNS slot reached the data plane, which refused it.
    expect(vm.network!.events.some((e) => e.rule === "unmapped" && !e.allowed)).toBe(true);
  });

  it("answers DNS from the policy: allowed names map to a checked slot, others are refused", async () => {
    const ok = await resolve("ok.test");
    expect(ok).toMatchObject({ id: 0x1234, rcode: 0, answers: 1 });
    expect(ok.tail).toEqual([10, 0, 2, 200]);
    // The slot reaches the name's checked address, on the granted port only.
    expect(await sh(`wget -qO- http://10.0.2.200:${allowedPort}/via-dns`)).toBe(
      "allowed /via-dns\n",
    );
    const priv = await resolve("private.test"); // resolves, but to an address no rule grants
    expect(priv).toMatchObject({ rcode: 5, answers: 0 });
    const nx = await resolve("nonexistent.test");
    expect(nx).toMatchObject({ rcode: 3, answers: 0 });
    expect(
      vm.network!.events.filter((e) => e.kind === "dns").map((e) => [e.target, e.allowed]),
    ).toEqual([
      ["ok.test", true],
      ["private.test", false],
      ["nonexistent.test", false],
    ]);
  });

  it("injects a header by checked destination over HTTP; the guest never sees it", async () => {
    vm.http.onRequest({ origin: `http://127.0.0.1:${allowedPort}` }, (req) => {
      req.headers.set("x-api-key", "s3cr3t-http");
    });
    // A hook for a name the guest can put in Host: must never fire for this connection.
    vm.http.onRequest({ origin: `http://evil.test:${allowedPort}` }, (req) => {
      req.headers.set("x-evil", "spoofed");
    });
    const out = await sh(`wget -S -O- http://10.0.2.100:${allowedPort}/inject 2>&1`);
    expect(out).toContain("allowed /inject");
    expect(out).not.toContain("s3cr3t");
    expect(seenHeaders.at(-1)).toMatchObject({ "x-api-key": "s3cr3t-http" });
    const spoof = await sh(
      `{ printf 'GET /spoof HTTP/1.1\\r\\nHost: evil.test:${allowedPort}\\r\\nConnection: close\\r\\n\\r\\n'; sleep 2; } | timeout 5 nc 10.0.2.100 ${allowedPort}`,
    );
    expect(spoof).toContain("allowed /spoof");
    expect(spoof).not.toContain("s3cr3t");
    const seen = seenHeaders.at(-1)!;
    expect(seen["host"]).toBe(`evil.test:${allowedPort}`); // the guest's Host header passes…
    expect(seen["x-evil"]).toBeUndefined(); // …but chooses no hook
    expect(seen["x-api-key"]).toBe("s3cr3t-http"); // the checked destination's hook ran
  });

  it("intercepts HTTPS with the sandbox CA and verifies the upstream certificate", async () => {
    vm.http.onRequest({ origin: `https://127.0.0.1:${tlsPort}` }, (req) => {
      req.headers.set("authorization", "Bearer s3cr3t-tls");
    });
    vm.http.onRequest({ origin: `https://127.0.0.1:${tlsUntrustedPort}` }, () => {});
    const ca = await sh("cat $SSL_CERT_FILE");
    expect(ca).toContain(vm.http.ca.certificatePem.trim());
    const out = await sh(
      `wget -S -O- https://10.0.2.100:${tlsPort}/secure 2>&1; ` +
        `wget -qO- https://10.0.2.100:${tlsPort}/again; wget -qO- https://10.0.2.100:${tlsPort}/again`,
    );
    expect(out).toContain("tls origin /secure");
    expect(out.match(/^tls origin \/again$/gm)).toHaveLength(2);
    expect(out).not.toContain("s3cr3t");
    // Three guest connections, each request hooked; upstream, the host kept one verified TLS
    // connection alive and reused it (the per-request handshake was most of the added latency).
    expect(tlsSeen.slice(-3).map((h) => h.authorization)).toEqual(
      Array(3).fill("Bearer s3cr3t-tls"),
    );
    expect(tlsConnections).toBe(1);
    // Upstream signed by a CA the host does not trust: the host refuses (502), nothing passes.
    const rogue = await sh(`wget -O- https://10.0.2.100:${tlsUntrustedPort}/ 2>&1; echo rc=$?`);
    expect(rogue).not.toContain("rogue");
    expect(rogue).toMatch(/502/);
  });

  it("passes a redirect to a denied host back; the guest cannot follow it", async () => {
    const out = await sh(`wget -O- http://10.0.2.100:${allowedPort}/redirect 2>&1; echo rc=$?`);
    expect(out).toMatch(/rc=1/);
    expect(out).not.toContain("denied server reached");
    expect(deniedHits).toEqual([]);
    expect(seenHeaders.at(-1)).toMatchObject({ "x-api-key": "s3cr3t-http" });
  });
});

describe("no network without a policy", () => {
  it("has no network device at all", async () => {
    await using vm = await createMicroVm({});
    const r = await vm.exec({
      argv: ["sh", "-c", "ls /sys/class/net; wget -qO- -T 3 http://10.0.2.2/ 2>&1; echo rc=$?"],
    });
    expect(r.stdout).toMatch(/^lo\n/);
    expect(r.stdout).toMatch(/rc=1/);
    expect(vm.network).toBeUndefined();
  }, 90_000);
});
