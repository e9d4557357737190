/**
 * `airlock run FILE [args…]` without the rest of the CLI (the command-line parser and every
 * command cost ~15 ms of each start): handed to a running daemon when one is up, else run here.
 * Only the plain case: `run`, then the file (no flags before it; everything after it is the
 * program's), no config file here, a script rather than an artifact. Anything else returns
 * undefined and the full CLI runs the command, with the same result.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { findConfigFile, tierConfig } from "@airlock/config/defaults";
import { daemonSocketPresent } from "@airlock/daemon/client";
import { runOnDaemon } from "./daemon-run.js";
import { runHere } from "./local-run.js";
import { processIo, reportError, type Io } from "./output.js";
import { prestartRunWorker } from "./prestart.js";
import { passedEnv } from "./run-config.js";

export async function fastRun(
  argv: readonly string[],
  io: Io = processIo(),
): Promise<number | undefined> {
  const [command, file, ...args] = argv;
  if (command !== "run" || file === undefined || file.startsWith("-")) return undefined;
  if (findConfigFile(io.cwd) !== undefined) return undefined;
  const daemon = daemonSocketPresent();
  // No daemon to take it: the engine loads while the file is read (as `main` does).
  if (!daemon) prestartRunWorker();
  const filename = resolve(io.cwd, file);
  let code: string;
  try {
    const bytes = readFileSync(filename);
    // `AIRLOCK\0…`-shaped (byte 7 is NUL): maybe an artifact, which the full command decodes.
    if (bytes.length >= 8 && bytes[7] === 0) return undefined;
    code = bytes.toString("utf8");
  } catch {
    return undefined; // the full command says what is wrong with the file
  }
  try {
    // What configForRun gives for no flags and no config file, without loading its schema path.
    const config = tierConfig(undefined, { cwd: io.cwd });
    const program = { code, filename, module: false };
    const run = { args, env: passedEnv(config), config };
    if (daemon) {
      const exit = await runOnDaemon(io, program, run, false);
      if (exit !== undefined) return exit;
    }
    return await runHere(io, program, run, false);
  } catch (err) {
    return reportError(io, err);
  }
}
