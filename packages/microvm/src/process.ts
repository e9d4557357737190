import { constants } from "node:os";
import { Readable, Writable } from "node:stream";
import type { ControlChannel, ExecSink } from "./control/channel.js";
import { DATA_CHUNK, type FrameOf, type WinSize } from "./control/frames.js";
import { VmOptionsError, VmSpawnError } from "./errors.js";

/** What to run in the guest. The command gets exactly `env` (plus a default PATH if absent). */
export interface SpawnOptions {
  /** Program and arguments; the program is looked up in the guest's PATH. */
  argv: readonly string[];
  /** Absolute guest directory; default `/`. */
  cwd?: string;
  env?: Readonly<Record<string, string>>;
  /** `"pipe"` gives the process a writable `stdin`; default `"ignore"` (/dev/null). */
  stdin?: "pipe" | "ignore";
  /** Kill the command's whole process tree after this many ms (enforced in the guest). */
  timeoutMs?: number;
  /** Aborting kills the process tree; `exited` then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Run on a pseudo-terminal of this size (the guest's `/dev/pts/N`) as a session leader with
   * it as controlling terminal. Implies a writable `stdin` whose bytes are typed into the
   * terminal (`"\x03"` is Ctrl-C); stdout carries everything the terminal shows (stderr
   * included, CRLF line ends), and `stderr` stays empty. Ending `stdin` stops input but does
   * not hang up the terminal: send `"\x04"` (Ctrl-D) for end-of-file.
   */
  pty?: WinSize;
}

/** How a guest command ended. `exitCode` is null when a signal ended it. */
export interface ExitStatus {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when `timeoutMs` expired and the guest killed the command. */
  timedOut: boolean;
}

/** A command running in the guest, with streams. */
export interface VmProcess {
  readonly id: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Present when spawned with `stdin: "pipe"`; end() it to close the command's stdin. */
  readonly stdin: Writable | null;
  /** Settles after the command and all its output are done. */
  readonly exited: Promise<ExitStatus>;
  /** Sends a signal (default SIGKILL) to the command's process group; SIGKILL also empties its cgroup. */
  kill(signal?: NodeJS.Signals | number): void;
  /**
   * Sets the terminal size of a process spawned with `pty` (its foreground process group gets
   * SIGWINCH). Throws {@link VmOptionsError} for a process without a pty or a bad size; after
   * the process ended it does nothing.
   */
  resize(rows: number, cols: number): void;
}

const MAX_U32 = 0xffff_ffff;

function checkSize(field: string, rows: unknown, cols: unknown): WinSize {
  const ok = (n: unknown) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 0xffff;
  if (!ok(rows) || !ok(cols)) {
    throw new VmOptionsError(
      field,
      "give rows and cols as integers from 1 to 65535, e.g. { rows: 24, cols: 80 }",
    );
  }
  return { rows: rows as number, cols: cols as number };
}

function signalName(n: number): NodeJS.Signals | null {
  if (n === 0) return null;
  for (const [name, value] of Object.entries(constants.signals)) {
    if (value === n) return name as NodeJS.Signals;
  }
  return null;
}

function signalNumber(s: NodeJS.Signals | number): number {
  const n = typeof s === "number" ? s : constants.signals[s];
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > 64) {
    throw new VmOptionsError("signal", `${String(s)} is not a signal name or number 1–64`);
  }
  return n;
}

function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(constants.errno)) {
    if (value === errno) return name;
  }
  return `E${errno}`;
}

/** Checks spawn options and turns them into the exec frame's fields. */
export function execFields(opts: SpawnOptions): Omit<FrameOf<"exec">, "type" | "id"> {
  const { argv, cwd = "/", env = {}, timeoutMs = 0 } = opts;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === "string")) {
    throw new VmOptionsError(
      "argv",
      "give a non-empty array of strings, e.g. ['sh', '-c', 'echo hi']",
    );
  }
  if (argv.some((a) => a.includes("\0")))
    throw new VmOptionsError("argv", "arguments cannot contain NUL");
  if (typeof cwd !== "string" || !cwd.startsWith("/") || cwd.includes("\0")) {
    throw new VmOptionsError("cwd", "give an absolute guest path such as /work");
  }
  const envList: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (
      k === "" ||
      k.includes("=") ||
      k.includes("\0") ||
      typeof v !== "string" ||
      v.includes("\0")
    ) {
      throw new VmOptionsError(
        `env.${k}`,
        "names are non-empty without '=' or NUL; values are strings without NUL",
      );
    }
    envList.push(`${k}=${v}`);
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_U32) {
    throw new VmOptionsError(
      "timeoutMs",
      `give an integer number of milliseconds, 0 (none) to ${MAX_U32}`,
    );
  }
  if (opts.pty !== undefined) {
    const pty = checkSize("pty", opts.pty?.rows, opts.pty?.cols);
    return { stdin: true, timeoutMs, cwd, argv: [...argv], env: envList, pty };
  }
  return { stdin: opts.stdin === "pipe", timeoutMs, cwd, argv: [...argv], env: envList };
}

/** Starts `opts` through `channel` and wires its frames to streams. */
export function spawnOnChannel(channel: ControlChannel, opts: SpawnOptions): VmProcess {
  const fields = execFields(opts);
  opts.signal?.throwIfAborted();
  const stdout = new Readable({ read() {} });
  const stderr = new Readable({ read() {} });
  let done = false;
  let id = 0;
  let resolveExit!: (s: ExitStatus) => void;
  let rejectExit!: (e: unknown) => void;
  const exited = new Promise<ExitStatus>((res, rej) => {
    resolveExit = res;
    rejectExit = rej;
  });
  // A caller that only reads the streams must not crash the process with an unhandled rejection.
  exited.catch(() => {});

  const onAbort = () => {
    if (!done) channel.send({ type: "kill", id, signal: constants.signals.SIGKILL });
  };
  const finish = (settle: () => void) => {
    if (done) return;
    done = true;
    opts.signal?.removeEventListener("abort", onAbort);
    stdout.push(null);
    stderr.push(null);
    settle();
  };
  const sink: ExecSink = {
    stdout: (data) => stdout.push(data),
    stderr: (data) => stderr.push(data),
    exit: (f) =>
      finish(() => {
        if (opts.signal?.aborted) return rejectExit(opts.signal.reason);
        resolveExit({
          exitCode: f.signal === 0 ? f.code : null,
          signal: signalName(f.signal),
          timedOut: f.timedOut,
        });
      }),
    error: (f) =>
      finish(() => rejectExit(new VmSpawnError(fields.argv[0]!, errnoName(f.errno), f.message))),
    lost: (reason) => finish(() => rejectExit(reason)),
  };
  id = channel.exec(fields, sink);
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const stdin = fields.stdin
    ? new Writable({
        write(chunk: Buffer, _encoding, callback) {
          if (done) return callback();
          for (let at = 0; at < chunk.length; at += DATA_CHUNK) {
            channel.send({ type: "stdin", id, data: chunk.subarray(at, at + DATA_CHUNK) });
          }
          channel.drained().then(() => callback(), callback);
        },
        final(callback) {
          if (!done) channel.send({ type: "stdinClose", id });
          callback();
        },
      })
    : null;
  // Writing to a command that has exited is not an error worth crashing for (like EPIPE ignored).
  stdin?.on("error", () => {});

  return {
    id,
    stdout,
    stderr,
    stdin,
    exited,
    kill(signal: NodeJS.Signals | number = "SIGKILL") {
      const n = signalNumber(signal);
      if (!done) channel.send({ type: "kill", id, signal: n });
    },
    resize(rows: number, cols: number) {
      if (!fields.pty)
        throw new VmOptionsError("resize", "spawn the process with `pty` to resize it");
      const size = checkSize("resize", rows, cols);
      if (!done) channel.send({ type: "resize", id, ...size });
    },
  };
}
