import { existsSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { starterConfigText } from "@airlock/config";
import { UsageError, type Io } from "../output.js";

/** `airlock init [dir]`: write a commented starter `airlock.json` (never overwrites without --force). */
export function init(io: Io, dir: string | undefined, opts: { force?: boolean }): number {
  const target = resolve(io.cwd, dir ?? ".");
  const file = resolve(target, "airlock.json");
  if (!existsSync(target)) throw new UsageError(`${target}: no such directory; create it first`);
  if (existsSync(file) && !opts.force) {
    throw new UsageError(`${file} already exists; pass --force to overwrite it`);
  }
  writeFileSync(file, starterConfigText(basename(target)), { flag: opts.force ? "w" : "wx" });
  io.stdout(`wrote ${file}\n`);
  return 0;
}
