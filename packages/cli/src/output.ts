import { AirlockError } from "@airlock/config/errors";

/** Exit codes of the CLI itself (the program's own code is passed through by `airlock run`). */
export const CLI_EXIT = {
  ok: 0,
  failure: 1,
  /** Bad usage or bad config: the user must change the command line or the file. */
  usage: 2,
  /** A bug in Airlock: reported with a stack so it can be filed. */
  internal: 70,
} as const;

/** Where the CLI writes; tests pass buffers, the binary passes the process streams. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** Whether stdout is a terminal (colours, progress). */
  isTTY: boolean;
}

export const processIo = (): Io => ({
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  cwd: process.cwd(),
  isTTY: Boolean(process.stdout.isTTY),
});

/** One line on stderr for an expected failure; the exit code says which kind. */
export function reportError(io: Io, err: unknown): number {
  if (err instanceof AirlockError) {
    io.stderr(`airlock: ${err.message.split("\n")[0]}\n`);
    return err.code.startsWith("AIRLOCK_CONFIG") || err.code === "AIRLOCK_USAGE"
      ? CLI_EXIT.usage
      : CLI_EXIT.failure;
  }
  io.stderr(
    `airlock: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  return CLI_EXIT.internal;
}

/** A command-line mistake (unknown flag, missing argument). */
export class UsageError extends AirlockError {
  constructor(message: string) {
    super("AIRLOCK_USAGE", message);
  }
}
