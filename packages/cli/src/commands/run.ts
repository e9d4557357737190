import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Artifact } from "@airlock/aot-builder/read";
import type { AirlockConfig } from "@airlock/config";
import { UsageError, type Io } from "../output.js";
import { runHere } from "../local-run.js";
import { configForRun, passedEnv, type RunFlags } from "../run-config.js";

export interface RunCommandFlags extends RunFlags {
  json?: boolean;
  /** false with `--no-daemon`: never use a running daemon. */
  daemon?: boolean;
  stdin?: boolean;
  stdinFile?: string;
}

/** Sources the program may read as stdin, all read before the run starts (the sandbox API takes bytes). */
async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

interface Program {
  code: string;
  filename: string;
  /** Set when the file is an `airlock build` artifact (told by its magic bytes). */
  artifact?: Artifact;
}

/**
 * Artifacts start with `AIRLOCK\0`: a file whose 8th byte is not NUL cannot be one, and a script
 * never is, so `airlock run script.js` does not load the build tier (esbuild, acorn, the schema).
 */
const mayBeArtifact = (bytes: Uint8Array) => bytes.length >= 8 && bytes[7] === 0;

async function readProgram(io: Io, file: string): Promise<Program> {
  const path = resolve(io.cwd, file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory; pass a .js file" : `cannot read (${code})`}`,
    );
  }
  const aot = mayBeArtifact(bytes) ? await import("@airlock/aot-builder/read") : undefined;
  if (aot === undefined || !aot.isArtifact(bytes))
    return { code: bytes.toString("utf8"), filename: path };
  const artifact = aot.decodeArtifact(bytes, file);
  return { code: artifact.bundle, filename: artifact.manifest.entry, artifact };
}

/**
 * An artifact's embedded config replaces ./airlock.json as the base (`--config` still replaces
 * it), with the command-line flags applied on top exactly as for a file: through a temporary
 * config file, so both paths share `configForRun`.
 */
async function configFor(
  flags: RunFlags,
  cwd: string,
  artifact: Artifact | undefined,
): Promise<AirlockConfig> {
  const embedded = artifact?.manifest.config;
  if (embedded == null || flags.config !== undefined) return configForRun(flags, cwd);
  const dir = mkdtempSync(join(tmpdir(), "airlock-artifact-"));
  try {
    const file = join(dir, "airlock.json");
    writeFileSync(file, JSON.stringify(embedded));
    return await configForRun({ ...flags, config: file }, cwd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
  let program: Program;
  if (file === "-") {
    if (flags.stdin)
      throw new UsageError("--stdin cannot be used when the program itself is read from stdin (-)");
    program = { code: (await readAll(process.stdin)).toString("utf8"), filename: "<stdin>" };
  } else {
    program = await readProgram(io, file);
  }
  const config = await configFor(flags, io.cwd, program.artifact);
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

  const env = passedEnv(config);

  // A running daemon has warm workers: use it when there is one (silently run here when not).
  if (flags.daemon !== false) {
    const frozenLink = program.artifact
      ? (await import("@airlock/aot-builder/read")).frozenLinkOf(program.artifact)
      : undefined;
    const code = await (
      await import("../daemon-run.js")
    ).runOnDaemon(
      io,
      {
        code: program.code,
        filename: program.filename,
        module: program.artifact !== undefined,
        ...(frozenLink ? { frozen: frozenLink } : {}),
      },
      { args, env, config, ...(stdin ? { stdin } : {}) },
      flags.json === true,
    );
    if (code !== undefined) return code;
  }

  const frozen = program.artifact
    ? (await import("@airlock/aot-builder/read")).frozenLinkOf(program.artifact)
    : undefined;
  return await runHere(
    io,
    {
      code: program.code,
      filename: program.filename,
      module: program.artifact !== undefined,
      ...(frozen ? { frozen } : {}),
    },
    { args, env, config, ...(stdin ? { stdin } : {}) },
    flags.json === true,
  );
}
