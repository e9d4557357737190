import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { main } from "../src/main.js";
import type { Io } from "../src/output.js";

export const BIN = fileURLToPath(new URL("../bin/airlock.js", import.meta.url));

/** Runs the CLI in-process with captured output. */
export async function runCli(argv: string[], cwd = process.cwd()) {
  let stdout = "";
  let stderr = "";
  const io: Io = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, isTTY: false };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/**
 * Runs the real `airlock` binary as a child process (needs `pnpm build` first), as a user does:
 * by its path, so its `#!` line's node flags apply (the stack an inline run needs).
 */
export function runBin(
  argv: string[],
  opts: { cwd?: string; input?: string; timeout?: number } = {},
) {
  const r = spawnSync(BIN, argv, {
    cwd: opts.cwd,
    input: opts.input,
    encoding: "utf8",
    timeout: opts.timeout ?? 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
