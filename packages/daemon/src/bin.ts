#!/usr/bin/env node
/**
 * Entry of the detached daemon process (`ensureDaemon` starts it): `node bin.js --state-dir DIR`.
 * SIGTERM/SIGINT stop it gracefully, like `airlock exit`.
 */
import { Daemon } from "./daemon.js";
import { stateDir } from "./paths.js";

const i = process.argv.indexOf("--state-dir");
const dir = i >= 0 ? process.argv[i + 1] : undefined;
try {
  const daemon = await Daemon.start({ dir: dir ?? stateDir() });
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.once(sig, () => void daemon.close());
  await daemon.closed;
  process.exit(0);
} catch (err) {
  process.stderr.write(`airlock daemon: ${(err as Error).message}\n`);
  process.exit(1);
}
