/**
 * `airlock run FILE [args…]` handed straight to a running daemon, before the rest of the CLI is
 * loaded (the command-line parser and every command cost ~25 ms of a start that, with a daemon
 * up, is otherwise a socket round trip). Only the plain case: `run`, then the file (no flags
 * before it; everything after it is the program's), no config file here, a script rather than
 * an artifact, a daemon socket present. Anything else, or no answer on the socket, returns
 * undefined and the full CLI runs the command, with the same result.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { findConfigFile, tierConfig } from "@airlock/config/defaults";
import { daemonSocketPresent } from "@airlock/daemon/client";
import { runOnDaemon } from "./daemon-run.js";
import { processIo, reportError, type Io } from "./output.js";
import { passedEnv } from "./run-config.js";

export async function fastRun(
  argv: readonly string[],
  io: Io = processIo(),
): Promise<number | undefined> {
  const [command, file, ...args] = argv;
  if (command !== "run" || file === undefined || file.startsWith("-")) return undefined;
  if (!daemonSocketPresent() || findConfigFile(io.cwd) !== undefined) return undefined;
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
    return await runOnDaemon(
      io,
      { code, filename, module: false },
      { args, env: passedEnv(config), config },
      false,
    );
  } catch (err) {
    return reportError(io, err);
  }
}
