import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createSandbox, shutdownWorkers, type RunResult } from "@airlock/wasm-host";
import { UsageError, type Io } from "../output.js";
import { configForRun, type RunFlags } from "../run-config.js";

export interface RunCommandFlags extends RunFlags {
  json?: boolean;
  stdin?: boolean;
  stdinFile?: string;
}

/** Sources the program may read as stdin, all read before the run starts (the sandbox API takes bytes). */
async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function readProgram(io: Io, file: string): { code: string; filename: string } {
  const path = resolve(io.cwd, file);
  try {
    return { code: readFileSync(path, "utf8"), filename: path };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory; pass a .js file" : `cannot read (${code})`}`,
    );
  }
}

/** The one-line explanation printed when a limit, not the program, ended the run. */
function limitMessage(result: RunResult): string | undefined {
  if (result.status === "ok" || result.status === "error") return undefined;
  return `${result.status.replaceAll("_", " ")}: ${result.error?.message ?? "the run was stopped"}`;
}

/**
 * `airlock run <file|-> [args…]`: runs a program in a fresh sandbox. The program's stdout/stderr stream to
 * the terminal and its exit code becomes ours; when a limit ends it, one `airlock: …` line says which
 * (exit codes: 124 timeout, 137 out of memory, 125 output limit, 130 killed).
 */
export async function runCommand(
  io: Io,
  file: string,
  args: string[],
  flags: RunCommandFlags,
): Promise<number> {
  const config = configForRun(flags, io.cwd);
  let program: { code: string; filename: string };
  if (file === "-") {
    if (flags.stdin)
      throw new UsageError("--stdin cannot be used when the program itself is read from stdin (-)");
    program = { code: (await readAll(process.stdin)).toString("utf8"), filename: "<stdin>" };
  } else {
    program = readProgram(io, file);
  }
  let stdin: Uint8Array | undefined;
  if (flags.stdinFile !== undefined) {
    try {
      stdin = readFileSync(resolve(io.cwd, flags.stdinFile));
    } catch {
      throw new UsageError(`--stdin-file ${flags.stdinFile}: cannot read it`);
    }
  } else if (flags.stdin) {
    stdin = await readAll(process.stdin);
  }

  const env: Record<string, string> = {};
  for (const name of config.env) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }

  const sandbox = await createSandbox({ config });
  try {
    const result = await sandbox.run(program.code, {
      filename: program.filename,
      args,
      env,
      ...(stdin ? { stdin } : {}),
      ...(flags.json ? {} : { onStdout: io.stdout, onStderr: io.stderr }),
    });
    if (flags.json) {
      io.stdout(JSON.stringify(result, null, 2) + "\n");
    } else {
      const why = limitMessage(result);
      if (why) io.stderr(`airlock: ${why}\n`);
    }
    return result.exitCode;
  } finally {
    await sandbox.dispose();
    await shutdownWorkers();
  }
}
