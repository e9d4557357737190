import { Command, CommanderError } from "commander";
import { configCheck } from "./commands/config-check.js";
import { init } from "./commands/init.js";
import { runCommand, type RunCommandFlags } from "./commands/run.js";
import { CLI_EXIT, processIo, reportError, type Io } from "./output.js";
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
    .action((file: string | undefined, opts: { quiet?: boolean }) =>
      setCode(configCheck(io, file, opts)),
    );

  program
    .command("init [dir]")
    .description("write a commented starter airlock.json")
    .option("-f, --force", "overwrite an existing airlock.json")
    .action((dir: string | undefined, opts: { force?: boolean }) => setCode(init(io, dir, opts)));

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
    .passThroughOptions()
    .action(async (file: string, args: string[], opts: RunCommandFlags) =>
      setCode(await runCommand(io, file, args, opts)),
    );

  return program;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and resolves to the exit code.
 * Never throws for user mistakes: they become one `airlock: …` line on stderr.
 */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
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
