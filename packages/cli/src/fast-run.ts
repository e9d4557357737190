/**
 * `airlock run FILE [args…]` without the rest of the CLI (the command-line parser and every
 * command cost ~15 ms of each start): handed to a running daemon when one is up, else run here.
 * Only the plain case: `run`, then the file (no flags before it; everything after it is the
 * program's), no config file here, a script or an artifact without an embedded config. Anything
 * else returns undefined and the full CLI runs the command, with the same result.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { decodeArtifact, frozenLinkOf, isArtifact } from "@airlock/aot-builder/read";
import { findConfigFile, tierConfig } from "@airlock/config/defaults";
import { daemonSocketPresent } from "@airlock/daemon/client";
import { runOnDaemon } from "./daemon-run.js";
import { runHere } from "./local-run.js";
import { directIo, reportError, type Io } from "./output.js";
import { passedEnv } from "./run-config.js";
import type { ProgramToRun } from "./run-input.js";

export { directIo } from "./output.js";

export async function fastRun(
  argv: readonly string[],
  io: Io = directIo(),
): Promise<number | undefined> {
  const [command, file, ...args] = argv;
  if (command !== "run" || file === undefined || file.startsWith("-")) return undefined;
  if (findConfigFile(io.cwd) !== undefined) return undefined;
  const daemon = daemonSocketPresent();
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(io.cwd, file));
  } catch {
    return undefined; // the full command says what is wrong with the file
  }
  try {
    let program: ProgramToRun;
    if (isArtifact(bytes)) {
      const artifact = decodeArtifact(bytes, file);
      // An embedded config is the base config: the full command applies it.
      if (artifact.manifest.config != null) return undefined;
      const frozen = frozenLinkOf(artifact);
      program = {
        code: artifact.bundle,
        filename: artifact.manifest.entry,
        module: true,
        ...(frozen ? { frozen } : {}),
      };
    } else {
      program = { code: bytes.toString("utf8"), filename: resolve(io.cwd, file), module: false };
    }
    // What configForRun gives for no flags and no config file, without loading its schema path.
    const config = tierConfig(undefined, { cwd: io.cwd });
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
