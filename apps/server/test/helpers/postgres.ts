import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./redis.js";

/** A real PostgreSQL (Debian's `postgresql` package) on 127.0.0.1, a free port and a temp data dir. */
export interface TestPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

function pgBin(): string {
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions)
    if (existsSync(join(base, v, "bin", "initdb"))) return join(base, v, "bin");
  throw new Error(
    "PostgreSQL is not installed: run `scripts/ensure-apt postgresql` (Debian package postgresql)",
  );
}

/** initdb + pg_ctl start; as the `postgres` user when running as root (the server refuses root). */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), "airlock-pg-"));
  const data = join(dir, "data");
  const port = await freePort();
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const pw = execFileSync("id", ["-u", "postgres"]).toString().trim();
    const gid = execFileSync("id", ["-g", "postgres"]).toString().trim();
    chownSync(dir, Number(pw), Number(gid));
    chmodSync(dir, 0o700);
  }
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args], {
          stdio: "pipe",
        })
      : execFileSync(join(bin, cmd), args, { stdio: "pipe" });
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  run("pg_ctl", [
    "-D",
    data,
    "-l",
    join(dir, "log"),
    "-w",
    "-t",
    "60",
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    "start",
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
