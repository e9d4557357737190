import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { parseDuration } from "../duration.js";
import { CLI_EXIT, UsageError, type Io } from "../output.js";

// The modules are loaded when a vm command runs, so other commands never pay for QEMU support.
type TcpRule = import("@airlock/netpolicy").TcpRule;

const load = async () => ({
  microvm: await import("@airlock/microvm"),
  vfs: await import("@airlock/vfs"),
  netpolicy: await import("@airlock/netpolicy"),
});

export interface VmRunFlags {
  image?: string;
  mount?: string[];
  allowNet?: string[];
  timeout?: string;
  memory?: string;
  cpus?: string;
  stdin?: boolean;
}

/** `HOST_DIR:GUEST_DIR[:ro|:rw]`; read-only unless `:rw`. */
export function parseMount(
  spec: string,
  cwd: string,
): { host: string; guest: string; write: boolean } {
  const parts = spec.split(":");
  let mode = "ro";
  if (parts.length === 3 && (parts[2] === "ro" || parts[2] === "rw")) mode = parts.pop()!;
  if (parts.length !== 2 || !parts[0] || !parts[1]?.startsWith("/")) {
    throw new UsageError(`--mount ${spec}: use HOST_DIR:/GUEST_DIR[:ro|:rw]`);
  }
  const host = resolve(cwd, parts[0]);
  if (!existsSync(host) || !statSync(host).isDirectory()) {
    throw new UsageError(`--mount ${spec}: ${host} is not a directory`);
  }
  return { host, guest: parts[1], write: mode === "rw" };
}

function parsePorts(text: string, rule: string): (number | [number, number])[] {
  return text.split(",").map((p) => {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(p);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!m || lo < 1 || hi > 65535 || hi < lo) {
      throw new UsageError(`--allow-net ${rule}: ports are N, N-M or a comma list (1-65535)`);
    }
    return lo === hi ? lo : [lo, hi];
  });
}

/** `HOST:PORT`, `CIDR:PORTS` or `public:PORTS` → a netpolicy TCP rule. */
export function parseNetRule(rule: string, np: typeof import("@airlock/netpolicy")): TcpRule {
  const i = rule.lastIndexOf(":");
  if (i <= 0)
    throw new UsageError(`--allow-net ${rule}: use HOST:PORT, CIDR:PORTS or public:PORTS`);
  const target = rule.slice(0, i).replace(/^\[|\]$/g, "");
  const ports = parsePorts(rule.slice(i + 1), rule);
  if (target === "public") return np.acceptPublicInternet({ ports });
  if (target.includes("/") || isIP(target)) {
    return np.acceptTcp({
      cidr: target.includes("/") ? target : `${target}/${isIP(target) === 6 ? 128 : 32}`,
      ports,
    });
  }
  return np.acceptHost({ host: target, ports });
}

function positive(
  flag: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag}: give an integer from ${min} to ${max}`);
  return n;
}

async function boot(io: Io, flags: VmRunFlags) {
  const { microvm, vfs, netpolicy } = await load();
  const mounts: Record<string, import("@airlock/vfs").FileSystem> = {};
  for (const spec of flags.mount ?? []) {
    const m = parseMount(spec, io.cwd);
    // Read-only: QEMU's own virtio-9p export (≥ 30× faster under emulation); writable: the
    // served 9P path, whose checks refuse the links, FIFOs and modes a guest could plant.
    mounts[m.guest] = m.write
      ? vfs.hostDir(m.host, { read: true, write: true })
      : microvm.directHostDir(m.host);
  }
  const rules = (flags.allowNet ?? []).map((r) => parseNetRule(r, netpolicy));
  const memoryMiB = positive("--memory", flags.memory, 64, 65536);
  const cpus = positive("--cpus", flags.cpus, 1, 64);
  return microvm.createMicroVm({
    ...(flags.image ? { image: flags.image } : {}),
    ...(memoryMiB || cpus
      ? { resources: { ...(memoryMiB ? { memoryMiB } : {}), ...(cpus ? { cpus } : {}) } }
      : {}),
    ...(Object.keys(mounts).length ? { mounts } : {}),
    ...(rules.length ? { network: { rules } } : {}),
  });
}

/** Streams a guest process to this process's stdio; resolves to the exit code to return. */
async function attach(
  proc: import("@airlock/microvm").VmProcess,
  pipeStdin: boolean,
): Promise<number> {
  proc.stdout.on("data", (c: Buffer) => process.stdout.write(c));
  proc.stderr.on("data", (c: Buffer) => process.stderr.write(c));
  if (pipeStdin && proc.stdin) process.stdin.pipe(proc.stdin);
  const status = await proc.exited;
  if (pipeStdin) process.stdin.unpipe();
  if (status.timedOut) {
    process.stderr.write("airlock: the command timed out and was killed\n");
    return 124;
  }
  if (status.signal) return 128 + (signalNumber(status.signal) ?? 9);
  return status.exitCode ?? CLI_EXIT.failure;
}

function signalNumber(name: string): number | undefined {
  const table: Record<string, number> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGKILL: 9,
    SIGSEGV: 11,
    SIGPIPE: 13,
    SIGTERM: 15,
  };
  return table[name];
}

/** `airlock vm run … -- cmd args…`: exit code is the command's (124 on timeout). */
export async function vmRun(io: Io, argv: string[], flags: VmRunFlags): Promise<number> {
  if (argv.length === 0)
    throw new UsageError("airlock vm run: give the command after --, e.g. -- sh -c 'uname -a'");
  const timeoutMs = flags.timeout ? parseDuration("--timeout", flags.timeout) : 0;
  const vm = await boot(io, flags);
  try {
    const proc = vm.spawn({ argv, timeoutMs, stdin: flags.stdin ? "pipe" : "ignore" });
    return await attach(proc, Boolean(flags.stdin));
  } finally {
    await vm.close();
  }
}

/**
 * Connects this terminal to a guest pty process: raw mode so every key (Ctrl-C included) goes to
 * the guest, output straight back, SIGWINCH as resize. The terminal is restored however it ends.
 */
async function attachTerminal(proc: import("@airlock/microvm").VmProcess): Promise<number> {
  const stdin = process.stdin;
  const onInput = (c: Buffer) => void proc.stdin?.write(c);
  const onWinch = () => {
    const { rows, columns } = process.stdout;
    if (rows && columns) proc.resize(rows, columns);
  };
  const onOutput = (c: Buffer) => process.stdout.write(c);
  // A signal to the CLI ends the guest shell, so the finally below still restores the terminal.
  const onSignal = () => proc.kill();
  stdin.setRawMode(true);
  try {
    proc.stdout.on("data", onOutput);
    stdin.on("data", onInput);
    stdin.resume();
    process.on("SIGWINCH", onWinch);
    process.on("SIGTERM", onSignal);
    process.on("SIGHUP", onSignal);
    const status = await proc.exited;
    if (status.timedOut) return 124;
    if (status.signal) return 128 + (signalNumber(status.signal) ?? 9);
    return status.exitCode ?? CLI_EXIT.failure;
  } finally {
    process.off("SIGWINCH", onWinch);
    process.off("SIGTERM", onSignal);
    process.off("SIGHUP", onSignal);
    stdin.off("data", onInput);
    proc.stdout.off("data", onOutput);
    stdin.setRawMode(false);
    stdin.pause();
  }
}

/**
 * `airlock vm shell`: with a terminal on stdin, `sh` on a guest pseudo-terminal (raw mode, job
 * control, full-screen programs, window size followed). Without one (stdin piped or redirected),
 * a line-mode shell (`sh -i` on pipes) so scripts can feed it commands.
 */
export async function vmShell(io: Io, flags: VmRunFlags): Promise<number> {
  const vm = await boot(io, flags);
  try {
    const env = { PS1: "vm$ ", HOME: "/root" };
    if (process.stdin.isTTY) {
      io.stderr("airlock: interactive shell; exit or Ctrl-D to leave\n");
      const proc = vm.spawn({
        argv: ["sh"],
        env: { ...env, TERM: process.env["TERM"] ?? "xterm" },
        pty: { rows: process.stdout.rows || 24, cols: process.stdout.columns || 80 },
      });
      return await attachTerminal(proc);
    }
    io.stderr(
      "airlock: line-mode shell (stdin is not a terminal); exit or end of input to leave\n",
    );
    const proc = vm.spawn({ argv: ["sh", "-i"], stdin: "pipe", env: { ...env, TERM: "dumb" } });
    return await attach(proc, true);
  } finally {
    await vm.close();
  }
}

/** `airlock vm build-image [--full] [--packages a,b]`: runs the microVM artifact build. */
export async function vmBuildImage(
  io: Io,
  flags: { full?: boolean; packages?: string },
): Promise<number> {
  // The build script ships inside @airlock/microvm (its `files` include scripts/).
  const pkg = createRequire(import.meta.url).resolve("@airlock/microvm/package.json");
  const script = join(dirname(pkg), "scripts", "build-artifacts.sh");
  if (!existsSync(script))
    throw new UsageError(`${script} not found: run this from an Airlock checkout`);
  const args = [script, ...(flags.full ? ["--full"] : [])];
  if (flags.packages !== undefined) {
    if (!flags.full)
      throw new UsageError("--packages needs --full (the small image is busybox only)");
    if (!/^[a-z0-9][a-z0-9+.-]*(,[a-z0-9][a-z0-9+.-]*)*$/.test(flags.packages)) {
      throw new UsageError("--packages: give Debian package names separated by commas");
    }
    args.push("--packages", flags.packages.split(",").join(" "));
  }
  const child = spawn("bash", args, { stdio: ["ignore", "inherit", "inherit"] });
  const code = await new Promise<number>((done) =>
    child.on("exit", (c) => done(c ?? CLI_EXIT.failure)),
  );
  if (code === 0) io.stderr("airlock: image ready\n");
  return code;
}
