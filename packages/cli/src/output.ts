import { writeSync } from "node:fs";
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

/** An {@link Io} that also says whether it had to use node's stream objects. */
export interface DirectIo extends Io {
  /** True once some output went through `process.stdout`/`stderr`: flush them before exiting. */
  usedStreams(): boolean;
}

/**
 * The fast path's {@link Io}: output written with `fs.writeSync` to descriptors 1 and 2, so a
 * run never builds node's stream objects (under the CLI's V8 flags their modules are compiled
 * from source: ~4 ms of a cold `airlock run`). Everything is written when the call returns (node
 * makes its stdio blocking at start; a descriptor another process turns non-blocking again gets
 * EAGAIN, and then the process stream from there on, in order). One whose reader is gone (EPIPE)
 * takes no more output, as with `airlock run x | head -1`.
 */
export function directIo(): DirectIo {
  const viaStream = { 1: false, 2: false };
  const closed = { 1: false, 2: false };
  const write = (fd: 1 | 2, text: string) => {
    if (closed[fd]) return;
    const buf = Buffer.from(text);
    let at = 0;
    if (!viaStream[fd]) {
      try {
        while (at < buf.length) at += writeSync(fd, buf, at);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EAGAIN") {
          closed[fd] = true;
          return;
        }
        viaStream[fd] = true;
      }
    }
    (fd === 1 ? process.stdout : process.stderr).write(buf.subarray(at));
  };
  return {
    stdout: (t) => write(1, t),
    stderr: (t) => write(2, t),
    cwd: process.cwd(),
    get isTTY() {
      return Boolean(process.stdout.isTTY);
    },
    usedStreams: () => viaStream[1] || viaStream[2],
  };
}

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
