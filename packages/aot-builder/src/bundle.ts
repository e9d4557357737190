/**
 * esbuild, configured for the sandbox: one ES module (so top-level functions stay top-level,
 * where freeze finds them, and no global can rebind them), platform neutral with Node-style
 * resolution of node_modules, and every Node builtin (`node:fs`, `fs`, `fs/promises`) left
 * external for the sandbox's own polyfills.
 */
import { builtinModules } from "node:module";
import { build as esbuild, type Message } from "esbuild";
import { BuildBundleError } from "./errors.js";

export interface Bundled {
  readonly code: string;
  /** Absolute paths of every file esbuild read (the inputs of the incremental cache). */
  readonly inputs: readonly string[];
}

const EXTERNAL = [
  "node:*",
  ...builtinModules.filter((m) => !m.startsWith("_")),
  ...builtinModules.filter((m) => !m.startsWith("_")).map((m) => `${m}/*`),
];

function format(m: Message): string {
  const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : "";
  return `${where}${m.text}`;
}

/** Bundles `entryFile` (absolute) with `absWorkingDir` as the app directory. */
export async function bundle(entryFile: string, absWorkingDir: string): Promise<Bundled> {
  let result;
  try {
    result = await esbuild({
      entryPoints: [entryFile],
      absWorkingDir,
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      // freeze parses ES2022; QuickJS-NG runs it all.
      target: "es2022",
      mainFields: ["module", "main"],
      conditions: ["node"],
      resolveExtensions: [".ts", ".mts", ".js", ".mjs", ".cjs", ".json"],
      external: EXTERNAL,
      metafile: true,
      logLevel: "silent",
      charset: "utf8",
      legalComments: "none",
    });
  } catch (err) {
    const errors = ((err as { errors?: Message[] }).errors ?? []).map(format);
    throw new BuildBundleError(errors[0] ?? (err as Error).message, errors);
  }
  const out = result.outputFiles[0];
  if (out === undefined) throw new BuildBundleError("esbuild produced no output", []);
  const inputs = Object.keys(result.metafile.inputs).map((p) =>
    p.startsWith("/") ? p : `${absWorkingDir}/${p}`,
  );
  return { code: out.text, inputs };
}
