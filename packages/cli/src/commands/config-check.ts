import { formatSize, loadConfig } from "@airlock/config";
import type { Io } from "../output.js";

/** `airlock config check [file]`: validate and print the fully resolved config as JSON. */
export function configCheck(io: Io, file: string | undefined, opts: { quiet?: boolean }): number {
  const config = loadConfig(file, { cwd: io.cwd });
  if (!opts.quiet) io.stdout(JSON.stringify(config, null, 2) + "\n");
  const where = config.source ?? "(no config file: standard tier defaults)";
  const r = config.runtime;
  io.stderr(
    `airlock: config ok: ${where} — policy ${config.policy}, timeout ${r.timeout_ms} ms, heap ${formatSize(r.heap_size)}, ` +
      `${config.dirs.length} dir(s), ${config.allowedUrls.length} URL rule(s), ${config.allowCommands.length} command(s)\n`,
  );
  return 0;
}
