import type { Op } from "./types.js";
import { GuestError } from "./types.js";

const encoder = new TextEncoder();
// Keeps a leading BOM, as Node's `Buffer#toString` does; the guest's TextDecoder strips it
// itself (unless `ignoreBOM`), and `require` strips it from sources as Node's loader does.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** The ops every guest needs: exit, UTF-8 conversion (the engine has no TextEncoder). */
export const coreOps: Record<string, Op> = {
  "process.exit": {
    kind: "sync",
    run(args, _bytes, ctx) {
      const code = Number(args[0] ?? 0);
      ctx.requestExit(Number.isFinite(code) ? code | 0 : 0);
    },
  },
  "utf8.encode": {
    kind: "sync",
    run(args) {
      if (typeof args[0] !== "string")
        throw new GuestError("ERR_INVALID_ARG_TYPE", "expected a string");
      return encoder.encode(args[0]);
    },
  },
  "utf8.decode": {
    kind: "sync",
    run(_args, bytes) {
      return decoder.decode(bytes ?? new Uint8Array(0));
    },
  },
  /** Resolves after `ms` milliseconds (bounded by the run's deadline); exercises the async path. */
  "time.sleep": {
    kind: "async",
    run(args) {
      const ms = Math.max(0, Math.min(Number(args[0]) || 0, 2 ** 31 - 1));
      return new Promise((resolve) => setTimeout(() => resolve(ms), ms));
    },
  },
};
