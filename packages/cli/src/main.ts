import { Command, CommanderError } from "commander";
import { configCheck } from "./commands/config-check.js";
import { init } from "./commands/init.js";
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
    .showSuggestionAfterError(true);

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
