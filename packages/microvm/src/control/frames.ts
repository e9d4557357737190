/**
 * The control protocol's frames: the one place the host defines the wire format. The guest
 * mirrors it in `crates/guest-init/src/frame.rs`; both decode
 * `crates/guest-init/tests/fixtures/frames.bin` identically (see test/frames.test.ts).
 *
 * Every frame: `len: u32 LE` (bytes after this field), `type: u8`, `id: u32 LE`, payload.
 * A `str` is `u32 length + bytes`; a `list` is `u32 count + str…`. Leftover payload bytes are
 * malformed.
 *
 * Additions compatible with version 1: `exec` flag bit 1 announces a trailing
 * `rows: u16, cols: u16` (a pseudo-terminal), so frames without it are unchanged; `resize` is a
 * new type, which an older guest answers with an `unknownType` error.
 */

/** Protocol version exchanged in `hello`; both sides must speak the same one. */
export const PROTOCOL_VERSION = 1;
/** `len` + `type` + `id`. */
export const HEADER_LEN = 9;
/** Largest payload either side sends or accepts. */
export const MAX_PAYLOAD = 1 << 20;
/** Host → guest data (stdin) is cut into chunks of this size. */
export const DATA_CHUNK = 64 * 1024;

export const FrameType = {
  hello: 1,
  exec: 2,
  stdin: 3,
  stdinClose: 4,
  stdout: 5,
  stderr: 6,
  exit: 7,
  kill: 8,
  shutdown: 9,
  error: 10,
  resize: 11,
} as const;

/** `exec` flag bits. */
export const ExecFlag = { stdin: 1, pty: 2 } as const;

/** A terminal size in character cells (each 0–65535 on the wire). */
export interface WinSize {
  rows: number;
  cols: number;
}

/** Codes carried by `error` frames. */
export const ErrorCode = {
  malformed: 1,
  unknownType: 2,
  tooLarge: 3,
  spawnFailed: 4,
  unknownId: 5,
  duplicateId: 6,
  unsupportedVersion: 7,
} as const;

export type Frame =
  | {
      type: "hello";
      version: number;
      agent: string;
      /** Sender's wall clock in ms since 1970 (0: unknown); the guest sets its clock from the host's. */
      unixMs: number;
    }
  | {
      type: "exec";
      id: number;
      /** false: the command's stdin is /dev/null. */
      stdin: boolean;
      /** 0: no limit. The guest kills the command's whole process tree when it expires. */
      timeoutMs: number;
      cwd: string;
      argv: string[];
      /** `KEY=VALUE` strings; the guest adds only a default PATH when none is given. */
      env: string[];
      /**
       * Run on a new pseudo-terminal of this size, as a session leader: output (stdout and
       * stderr merged) arrives as `stdout`, `stdin` frames are typed into the terminal.
       */
      pty?: WinSize;
    }
  | { type: "stdin"; id: number; data: Uint8Array }
  | { type: "stdinClose"; id: number }
  | { type: "stdout"; id: number; data: Uint8Array }
  | { type: "stderr"; id: number; data: Uint8Array }
  | { type: "exit"; id: number; code: number; signal: number; timedOut: boolean }
  | { type: "kill"; id: number; signal: number }
  | { type: "shutdown" }
  | { type: "error"; id: number; code: number; errno: number; message: string }
  /** Host → guest: a pty exec's terminal changed size (its foreground group gets SIGWINCH). */
  | { type: "resize"; id: number; rows: number; cols: number };

export type FrameOf<T extends Frame["type"]> = Extract<Frame, { type: T }>;
