/**
 * `child.*`: the guest's `child_process`. Each command is checked by `checkCommand`, must name
 * the binary the rules mean (`resolveCommand`), and runs under bubblewrap (`bwrapArgs`) with
 * the run's remaining time (or less) and its output limit. `spawnSync` blocks this worker only.
 * Async children are killed with their whole process group when the run ends.
 */
import type { ChildProcess } from "node:child_process";
import { childProcess } from "../../builtins.js";
import { capsOf, type RunCaps } from "./caps.js";
import { bwrapArgs, bwrapAvailable, resolveCommand } from "./bwrap.js";
import { checkCommand, grantedShell } from "./command-policy.js";
import { frame } from "./fetch.js";
import { GuestError, type Op, type OpContext } from "./types.js";

interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeout?: number;
  /** A command string to run through a granted shell (exec/execSync). */
  shell?: boolean;
}

interface Prepared {
  argv: string[];
  timeoutMs: number;
  maxBuffer: number;
}

/** Checks the command and builds the bwrap argv; throws a guest error when refused. */
function prepare(ctx: OpContext, caps: RunCaps, args: unknown[]): Prepared {
  let file = String(args[0] ?? "");
  let argv = Array.isArray(args[1]) ? (args[1] as unknown[]).map(String) : [];
  const o = (args[2] ?? {}) as SpawnOptions;
  if (o.shell === true) {
    const command = [file, ...argv].join(" ");
    const shell = grantedShell(caps.grants, command);
    if (shell === null) {
      throw new GuestError(
        "ERR_AIRLOCK_SHELL_DENIED",
        `running a command string needs a shell, and neither "sh" nor "bash" is granted: use execFile/spawn with an argument array, or add "sh" to allowCommands`,
      );
    }
    file = shell;
    argv = ["-c", command];
  }
  const decision = checkCommand(caps.grants, file, argv);
  if (!decision.allowed) {
    throw new GuestError(
      "ERR_AIRLOCK_COMMAND_DENIED",
      `spawn ${decision.name || file} denied: ${decision.reason}`,
    );
  }
  const cwd = typeof o.cwd === "string" ? o.cwd : caps.cwd;
  const binary = resolveCommand(file, decision.name, cwd);
  if (binary === null) {
    throw new GuestError(
      "ERR_AIRLOCK_COMMAND_DENIED",
      `spawn ${file} denied: it does not name the host's "${decision.name}" found on the safe PATH`,
    );
  }
  if (!bwrapAvailable()) {
    throw new GuestError(
      "ERR_AIRLOCK_SANDBOX_UNAVAILABLE",
      `spawn ${decision.name} refused: bubblewrap (bwrap) cannot create namespaces on this host, and commands never run unsandboxed`,
    );
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.env ?? ctx.req.env)) env[k] = String(v);
  const left = Math.max(1, Math.floor(ctx.timeLeft()));
  const timeoutMs =
    typeof o.timeout === "number" && o.timeout > 0 ? Math.min(o.timeout, left) : left;
  return {
    argv: bwrapArgs({ binary, args: argv, cwd, env, grants: caps.grants }),
    timeoutMs,
    maxBuffer: ctx.req.limits.maxOutputBytes,
  };
}

const children = new Map<number, ChildProcess & { result: Promise<Uint8Array> }>();
let nextChild = 1;

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

export const childOps: Record<string, Op> = {
  /** `[file, args, options]` + stdin → frame({ status, signal, error?, stdoutLength }, out+err). */
  "child.spawnSync": {
    kind: "sync",
    run(args, bytes, ctx) {
      const p = prepare(ctx, capsOf(ctx), args);
      const r = childProcess().spawnSync("bwrap", p.argv, {
        input: bytes ?? new Uint8Array(0),
        timeout: p.timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: p.maxBuffer,
        env: {},
      });
      const stdout = r.stdout ?? Buffer.alloc(0);
      const stderr = r.stderr ?? Buffer.alloc(0);
      const errCode = (r.error as NodeJS.ErrnoException | undefined)?.code;
      const error =
        errCode === "ETIMEDOUT"
          ? { code: "ETIMEDOUT", message: `spawnSync ${String(args[0])} ETIMEDOUT` }
          : errCode === "ENOBUFS"
            ? { code: "ENOBUFS", message: `spawnSync ${String(args[0])} ENOBUFS` }
            : r.error
              ? { code: errCode ?? "EIO", message: `spawnSync ${String(args[0])} failed` }
              : undefined;
      return frame(
        { status: r.status, signal: r.signal, error, stdoutLength: stdout.byteLength },
        Buffer.concat([stdout, stderr]),
      );
    },
  },
  /** Starts an async child; returns its id (the guest then waits with `child.wait`). */
  "child.start": {
    kind: "sync",
    run(args, _bytes, ctx) {
      const p = prepare(ctx, capsOf(ctx), args);
      const child = childProcess().spawn("bwrap", p.argv, {
        detached: true, // own process group: kill(-pid) reaches bwrap and everything it started
        stdio: ["pipe", "pipe", "pipe"],
        env: {},
      });
      const id = nextChild++;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let total = 0;
      let truncated = false;
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        if (total + chunk.byteLength > p.maxBuffer) {
          truncated = true;
          killGroup(child);
          return;
        }
        total += chunk.byteLength;
        into.push(chunk);
      };
      child.stdout?.on("data", collect(out));
      child.stderr?.on("data", collect(err));
      child.stdin?.on("error", () => undefined);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child);
      }, p.timeoutMs);
      const result = new Promise<Uint8Array>((resolve) => {
        child.on("error", () => undefined);
        child.on("close", (status, signal) => {
          clearTimeout(timer);
          children.delete(id);
          const stdout = Buffer.concat(out);
          const error = timedOut
            ? { code: "ETIMEDOUT", message: "the command exceeded its time limit" }
            : truncated
              ? { code: "ENOBUFS", message: "the command exceeded the output limit" }
              : undefined;
          resolve(
            frame(
              { status, signal, error, stdoutLength: stdout.byteLength },
              Buffer.concat([stdout, ...err]),
            ),
          );
        });
      });
      children.set(id, Object.assign(child, { result }));
      ctx.onEnd(() => killGroup(child));
      return { id, pid: id + 1000 };
    },
  },
  /** `[id]` → the finished child's frame. */
  "child.wait": {
    kind: "async",
    run(args) {
      const child = children.get(Number(args[0]));
      if (child === undefined) return Promise.reject(new GuestError("ESRCH", "no such child"));
      return child.result;
    },
  },
  /** `[id, end]` + bytes → writes to the child's stdin (and ends it if `end`). */
  "child.stdin": {
    kind: "sync",
    run(args, bytes) {
      const child = children.get(Number(args[0]));
      if (child === undefined) return false;
      if (bytes !== undefined && bytes.byteLength > 0) child.stdin?.write(Buffer.from(bytes));
      if (args[1] === true) child.stdin?.end();
      return true;
    },
  },
  /** `[id]` → kills the child's whole process group. */
  "child.kill": {
    kind: "sync",
    run(args) {
      const child = children.get(Number(args[0]));
      if (child === undefined) return false;
      killGroup(child);
      return true;
    },
  },
};
