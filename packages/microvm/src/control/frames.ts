/**
 * The control protocol's frames: the one place the host defines the wire format. The guest
 * mirrors it in `crates/guest-init/src/frame.rs`; both decode
 * `crates/guest-init/tests/fixtures/frames.bin` identically (see test/frames.test.ts).
 *
 * Every frame: `len: u32 LE` (bytes after this field), `type: u8`, `id: u32 LE`, payload.
 * A `str` is `u32 length + bytes`; a `list` is `u32 count + str…`. Leftover payload bytes are
 * malformed.
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
} as const;

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
    }
  | { type: "stdin"; id: number; data: Uint8Array }
  | { type: "stdinClose"; id: number }
  | { type: "stdout"; id: number; data: Uint8Array }
  | { type: "stderr"; id: number; data: Uint8Array }
  | { type: "exit"; id: number; code: number; signal: number; timedOut: boolean }
  | { type: "kill"; id: number; signal: number }
  | { type: "shutdown" }
  | { type: "error"; id: number; code: number; errno: number; message: string };

export type FrameOf<T extends Frame["type"]> = Extract<Frame, { type: T }>;
