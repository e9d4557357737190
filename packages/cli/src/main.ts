import { Command, CommanderError } from "commander";
// Commands are imported when they run: `airlock run` loads neither init nor config-check, and
// the sandbox engine is only loaded for `run`.
import type { RunCommandFlags } from "./commands/run.js";
import type { ServerFlags } from "./commands/service.js";
import { CLI_EXIT, processIo, reportError, type Io } from "./output.js";
import { prestartRunWorker } from "./prestart.js";
import { cliVersion } from "./version.js";

function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command("airlock")
    .description(
      "Run untrusted code fast and safely: QuickJS-in-WebAssembly sandboxes and microVMs.",
    )
    .version(cliVersion(), "-v, --version")
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (str, write) => write(`airlock: ${str.replace(/^error: /, "")}`),
    })
    .showSuggestionAfterError(true)
    .enablePositionalOptions();

  const config = program.command("config").description("inspect and validate airlock.json");
  config
    .command("check [file]")
    .description(
      "validate a config file (default: ./airlock.json or ./.edgebox.json) and print it resolved",
    )
    .option("-q, --quiet", "print nothing but errors and the summary")
    .action(async (file: string | undefined, opts: { quiet?: boolean }) =>
      setCode((await import("./commands/config-check.js")).configCheck(io, file, opts)),
    );

  program
    .command("init [dir]")
    .description("write a commented starter airlock.json")
    .option("-f, --force", "overwrite an existing airlock.json")
    .action(async (dir: string | undefined, opts: { force?: boolean }) =>
      setCode((await import("./commands/init.js")).init(io, dir, opts)),
    );

  program
    .command("build <app>")
    .description(
      "bundle an app (directory or file) into one .airlock artifact, freezing hot numeric functions to WebAssembly",
    )
    .option("-o, --output <file>", "where to write the artifact (default: app.airlock)")
    .option("-c, --config <file>", "config to embed (default: the app directory's airlock.json)")
    .option("--explain", "print one line per function: frozen, or why not")
    .action(async (app: string, opts: { output?: string; explain?: boolean; config?: string }) =>
      setCode(await (await import("./commands/build.js")).buildCommand(io, app, opts)),
    );

  const collect = (value: string, previous: string[] = []) => [...previous, value];
  program
    .command("run <file> [args...]")
    .description("run a JavaScript file (or - for stdin) in a fresh sandbox")
    .option("-c, --config <file>", "config file (default: ./airlock.json or ./.edgebox.json)")
    .option("-t, --timeout <duration>", "wall-clock limit, e.g. 500, 2s, 1m")
    .option("-m, --memory <size>", "heap limit, e.g. 32mb")
    .option("--max-output <size>", "limit on stdout + stderr bytes, e.g. 1mb")
    .option("--json", "print the result object (status, exit code, output, timings) as JSON")
    .option("-i, --stdin", "pass this process's stdin to the program")
    .option("--stdin-file <file>", "pass a file as the program's stdin")
    .option("--allow-read <dir>", "grant read access to a host directory (repeatable)", collect)
    .option(
      "--allow-write <dir>",
      "grant read/write access to a host directory (repeatable)",
      collect,
    )
    .option("--allow-net <url-glob>", "allow fetch() to URLs matching a glob (repeatable)", collect)
    .option("--allow-env <name>", "pass a host environment variable through (repeatable)", collect)
    .option("--allow-command <name>", "allow spawning a command (repeatable)", collect)
    .option("--no-daemon", "run in this process even when a daemon is up")
    .passThroughOptions()
    .action(async (file: string, args: string[], opts: RunCommandFlags) =>
      setCode(await (await import("./commands/run.js")).runCommand(io, file, args, opts)),
    );

  // microVMs (@airlock/microvm): one QEMU guest per command, mounts and egress by flag.
  const vm = program
    .command("vm")
    .description("run commands in a QEMU microVM")
    .enablePositionalOptions();
  const vmFlags = (cmd: Command) =>
    cmd
      .option("--image <image>", "small (default), full, or an image directory")
      .option(
        "--mount <spec>",
        "HOST_DIR:GUEST_DIR[:ro|:rw] (repeatable; read-only by default)",
        collect,
      )
      .option("--allow-net <rule>", "HOST:PORT, CIDR:PORTS or public:PORTS (repeatable)", collect)
      .option("--memory <mib>", "guest memory in MiB (default 256)")
      .option("--cpus <n>", "guest CPUs (default 1)");
  vmFlags(vm.command("run"))
    .description("boot a microVM, run one command, exit with its code")
    .argument("<cmd...>", "the command after --")
    .option("-t, --timeout <duration>", "kill the command after this long, e.g. 30s")
    .option("-i, --stdin", "pass this process's stdin to the command")
    .passThroughOptions()
    .action(async (cmd: string[], opts: import("./commands/vm.js").VmRunFlags) =>
      setCode(await (await import("./commands/vm.js")).vmRun(io, cmd, opts)),
    );
  vmFlags(vm.command("shell"))
    .description(
      "an interactive shell in a microVM (a pty when stdin is a terminal, line mode otherwise)",
    )
    .action(async (opts: import("./commands/vm.js").VmRunFlags) =>
      setCode(await (await import("./commands/vm.js")).vmShell(io, opts)),
    );
  vm.command("build-image")
    .description("build the microVM kernel, init and root image (cached)")
    .option("--full", "a Debian bookworm root instead of busybox")
    .option("--packages <list>", "with --full: Debian packages to add, comma-separated")
    .action(async (opts: { full?: boolean; packages?: string }) =>
      setCode(await (await import("./commands/vm.js")).vmBuildImage(io, opts)),
    );

  // The daemon (@airlock/daemon): warm sandbox pools behind a Unix socket, and HTTP apps.
  const appFlags = (cmd: Command) =>
    cmd
      .option("-p, --port <port>", "HTTP port (serve: default config daemon.port, 8787)")
      .option("--pool-size <n>", "ready sandboxes to keep (default config daemon.pool_size)")
      .option(
        "-t, --timeout <duration>",
        "per-request limit (default config daemon.exec_timeout_ms)",
      )
      .option("-c, --config <file>", "config file (default: the artifact's, else ./airlock.json)")
      .option(
        "--fresh-memory",
        "a new wasm memory per request instead of resetting a used one to the app snapshot (the default; same guest state, slower)",
      )
      // Recycling became the default; the flag stays accepted so existing scripts keep working.
      .option("--recycle", "(the default) reset used memories to the app snapshot");
  appFlags(program.command("up <app>"))
    .description(
      "start the daemon if needed and preload an app (artifact or file); --port also serves it over HTTP",
    )
    .action(async (app: string, opts: import("./commands/daemon.js").UpFlags) =>
      setCode(await (await import("./commands/daemon.js")).upCommand(io, app, opts)),
    );
  program
    .command("down <app>")
    .description("unload an app from the daemon (by name or path)")
    .action(async (app: string) =>
      setCode(await (await import("./commands/daemon.js")).downCommand(io, app)),
    );
  program
    .command("exit")
    .description("stop the daemon gracefully (running requests finish)")
    .action(async () => setCode(await (await import("./commands/daemon.js")).exitCommand(io)));
  program
    .command("ps")
    .description("what the daemon has loaded: pool fill and counts")
    .option("--json", "print the status as JSON")
    .action(async (opts: { json?: boolean }) =>
      setCode(await (await import("./commands/daemon.js")).psCommand(io, opts)),
    );
  appFlags(program.command("serve <app>"))
    .description(
      "serve a fetch-handler app (export default { fetch(req) {…} }) over HTTP, a fresh sandbox per request",
    )
    .option("--host <host>", "listen address (default 127.0.0.1)")
    .action(async (app: string, opts: import("./commands/daemon.js").ServeFlags) =>
      setCode(await (await import("./commands/daemon.js")).serveCommand(io, app, opts)),
    );

  // The execution service (apps/server): HTTP API, queue workers, MCP over stdio.
  program
    .command("server")
    .description(
      "start the HTTP execution service (env: PORT, HOST, API_KEYS, REDIS_URL, DATABASE_URL, …)",
    )
    .option("-p, --port <port>", "listen port (PORT)")
    .option("--host <host>", "listen address (HOST)")
    .option("--db <file>", "SQLite audit database (DATABASE_PATH)")
    .option(
      "--redis <url>",
      "enqueue to Redis/BullMQ workers instead of running in-process (REDIS_URL)",
    )
    .action(async (opts: ServerFlags) =>
      setCode(await (await import("./commands/service.js")).serviceCommand(io, "server", opts)),
    );
  program
    .command("worker")
    .description("run sandboxes for a Redis-backed service (env: REDIS_URL, WORKER_CONCURRENCY)")
    .option("--redis <url>", "Redis URL (REDIS_URL)")
    .action(async (opts: ServerFlags) =>
      setCode(await (await import("./commands/service.js")).serviceCommand(io, "worker", opts)),
    );
  program
    .command("mcp")
    .description("serve the execute_code and analyze_code MCP tools over stdio")
    .action(async () =>
      setCode(await (await import("./commands/service.js")).serviceCommand(io, "mcp", {})),
    );

  return program;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and resolves to the exit code.
 * Never throws for user mistakes: they become one `airlock: …` line on stderr.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  // `run` warms its engine while the command line is parsed, unless a daemon will likely take
  // the job (then that work would only delay it; a stale socket just means a later start).
  if (argv[0] === "run") {
    const { daemonSocketPresent } = await import("@airlock/daemon/client");
    if (argv.includes("--no-daemon") || !daemonSocketPresent()) prestartRunWorker();
  }
  let code: number = CLI_EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  if (argv.length === 0) {
    io.stdout(program.helpInformation());
    return CLI_EXIT.ok;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? CLI_EXIT.ok : CLI_EXIT.usage;
    }
    return reportError(io, err);
  }
}
