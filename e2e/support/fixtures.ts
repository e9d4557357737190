import { createServer, type Server } from "node:http";
import { execFileSync } from "node:child_process";
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";

/**
 * The host side of the filesystem, command and network cases: a granted dir, a sibling "outside" dir
 * holding a secret (plus links into it planted before the run), and two local HTTP servers — one the
 * policy grants, one it must never reach (every hit is counted).
 */
export interface HostFixture {
  granted: string;
  outside: string;
  port: number;
  deniedPort: number;
  deniedHits: () => number;
  outsideListing: () => string;
  close: () => Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

export async function createHostFixture(secret: string): Promise<HostFixture> {
  const root = mkdtempSync(join(tmpdir(), "airlock-e2e-"));
  const granted = join(root, "granted");
  const outside = join(root, "outside");
  mkdirSync(join(granted, "sub"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(granted, "data.txt"), "granted data\n");
  writeFileSync(join(outside, "secret.txt"), `SECRET ${secret}\n`);
  symlinkSync(join(outside, "secret.txt"), join(granted, "link-out"));
  symlinkSync(outside, join(granted, "dir-out"));
  linkSync(join(outside, "secret.txt"), join(granted, "hard"));

  let hits = 0;
  const denied = createServer((_req, res) => {
    hits++;
    res.end(`SECRET ${secret}`);
  });
  const deniedPort = await listen(denied);
  const allowed = createServer((req, res) => {
    if (req.url === "/redirect-out") {
      res.writeHead(302, { location: `http://127.0.0.1:${deniedPort}/secret` }).end();
    } else if (req.url === "/ok") {
      res.end("fine");
    } else {
      res.writeHead(404).end("no");
    }
  });
  const port = await listen(allowed);

  const listing = () =>
    readdirSync(outside)
      .sort()
      .map((f) => `${f}:${readFileSync(join(outside, f), "utf8")}`)
      .join("|");
  return {
    granted,
    outside,
    port,
    deniedPort,
    deniedHits: () => hits,
    outsideListing: listing,
    close: async () => {
      await new Promise((r) => allowed.close(r));
      await new Promise((r) => denied.close(r));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The config each fixture kind grants: the granted dir, `cat` + `git status`, or the one allowed URL. */
export function fixtureConfig(
  kind: "fs" | "commands" | "network",
  fx: HostFixture,
): Record<string, unknown> {
  if (kind === "fs") return { dirs: [{ path: fx.granted, read: true, write: true }] };
  if (kind === "commands") {
    return {
      dirs: [{ path: fx.granted, read: true, write: true }],
      allowCommands: ["cat", "git"],
      commands: { git: ["status"] },
    };
  }
  return { allowedUrls: [`http://127.0.0.1:${fx.port}/ok`], maxConnections: 4 };
}

export function substitute(code: string, fx: HostFixture): string {
  return code
    .replaceAll("__GRANTED__", fx.granted)
    .replaceAll("__OUTSIDE__", fx.outside)
    .replaceAll("__DENIED_PORT__", String(fx.deniedPort))
    .replaceAll("__PORT__", String(fx.port));
}

/** Processes this test process started (sandboxed commands, bubblewrap) that are still alive. */
export function leftoverChildren(): string[] {
  const out = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" });
  const rows = out
    .split("\n")
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of rows) {
      if (!mine.has(r.pid) && mine.has(r.ppid)) {
        mine.add(r.pid);
        grew = true;
      }
    }
  }
  return rows
    .filter((r) => r.pid !== process.pid && mine.has(r.pid) && !r.args.startsWith("ps "))
    .map((r) => `${r.pid} ${r.args}`);
}
