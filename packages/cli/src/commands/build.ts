import { relative } from "node:path";
import { build, type BuildProgress } from "@airlock/aot-builder";
import { loadConfig } from "@airlock/config";
import type { Io } from "../output.js";

export interface BuildCommandFlags {
  output?: string;
  explain?: boolean;
  config?: string;
}

const STEP_WIDTH = 8;

/**
 * Progress per step. On a terminal each step is one line rewritten in place (`… bundle` then
 * `✓ bundle  3 files  41 ms`); otherwise plain lines, one per finished step, for logs.
 */
function progressPrinter(io: Io): (e: BuildProgress) => void {
  return (e) => {
    const step = e.step.padEnd(STEP_WIDTH);
    const detail = e.detail ? `  ${e.detail}` : "";
    if (io.isTTY) {
      if (e.status === "start") io.stdout(`\r\x1b[2K… ${step}${detail}`);
      else if (e.status === "cached") io.stdout(`\r\x1b[2K✓ ${step}cached${detail}\n`);
      else io.stdout(`\r\x1b[2K✓ ${step}${detail}  ${e.ms} ms\n`);
    } else if (e.status === "cached") {
      io.stdout(`${e.step}: cached${detail}\n`);
    } else if (e.status === "done") {
      io.stdout(`${e.step}: done in ${e.ms} ms${detail}\n`);
    }
  };
}

/**
 * `airlock build <app-dir|file> [-o out] [--explain]`: bundles the app, freezes its hot numeric
 * functions and writes one `.airlock` artifact (default `app.airlock`), run with `airlock run`.
 */
export async function buildCommand(
  io: Io,
  target: string,
  flags: BuildCommandFlags,
): Promise<number> {
  const config = flags.config !== undefined ? loadConfig(flags.config, { cwd: io.cwd }) : undefined;
  const r = await build({
    entry: target,
    outFile: flags.output ?? "app.airlock",
    cwd: io.cwd,
    onProgress: progressPrinter(io),
    ...(config ? { config } : {}),
  });
  if (flags.explain) for (const line of r.explain) io.stdout(`${line}\n`);
  const frozen = r.manifest.frozen.map((f) => f.name).join(", ");
  io.stdout(
    `wrote ${relative(io.cwd, r.outFile) || r.outFile} (${r.bytes} bytes; frozen: ${frozen || "none"})\n`,
  );
  return 0;
}
