/** `build()`: resolve → bundle → analyse → freeze → write, skipping what `.airlock-cache` has. */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join, relative, resolve } from "node:path";
import { findConfigFile, loadConfig, resolveConfig, type AirlockConfig } from "@airlock/config";
import { ARTIFACT_VERSION, encodeArtifact, sha256 } from "./artifact.js";
import { BuildCache, fileHash } from "./cache.js";
import { resolveEntry } from "./entry.js";
import type {
  ArtifactFrozenFunction,
  ArtifactManifest,
  BuildOptions,
  BuildProgress,
  BuildResult,
  BuildStep,
} from "./types.js";

/** The QuickJS-NG build the artifact is made for (what @airlock/wasm-host pins). */
export const ENGINE = { quickjs: "0.32.0" } as const;
/**
 * Part of every cache key: the code of this builder and of freeze. A new version of either
 * (or a local edit) changes the output for the same input, so old entries must miss.
 */
let toolchainHash: string | undefined;
function toolchain(): string {
  if (toolchainHash !== undefined) return toolchainHash;
  const hash = createHash("sha256");
  const dirs = [
    dirname(fileURLToPath(import.meta.url)),
    dirname(createRequire(import.meta.url).resolve("@airlock/freeze")),
  ];
  for (const dir of dirs) {
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith(".js"))
      .sort()) {
      hash.update(file).update(readFileSync(join(dir, file)));
    }
  }
  toolchainHash = hash.digest("hex");
  return toolchainHash;
}

interface FreezeEntry {
  code: string;
  explain: string[];
  frozen: ArtifactFrozenFunction[];
}

/** `#!` is ES2023; freeze parses ES2022. Keep the line (as a comment) so lines do not move. */
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function neutraliseHashbang(code: string): string {
  return code.startsWith("#!") ? `//${code}` : code;
}

function embedConfig(
  config: BuildOptions["config"],
  appDir: string,
): Omit<AirlockConfig, "source"> | null {
  let resolved: AirlockConfig;
  if (config !== undefined) {
    const { source: _source, ...input } = config as Record<string, unknown>;
    resolved = resolveConfig(input, { cwd: appDir });
  } else {
    const file = findConfigFile(appDir);
    if (file === undefined) return null;
    resolved = loadConfig(file, { cwd: appDir });
  }
  const { source: _source, ...rest } = resolved;
  return rest;
}

/**
 * Builds one `.airlock` artifact from an app: bundles it with esbuild (one ES module, Node
 * builtins external), freezes its hot numeric functions to WebAssembly with `@airlock/freeze`,
 * inserts their dispatch, and writes the container (manifest, bundle, wasm). Unchanged inputs
 * are served from `.airlock-cache` without running esbuild or freeze.
 *
 * @throws {BuildEntryError} the entry does not exist or has no entry file.
 * @throws {BuildBundleError} esbuild failed (syntax error, unresolved import).
 * @throws {ConfigValidationError} the embedded config is invalid.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  // Loaded here, not at import: `airlock run` reads artifacts through this package and should
  // not pay for esbuild, acorn and binaryen (~0.3 s) it never uses.
  const [{ bundle }, { planLink }, { outlineLoops }, { analyze, compile, FreezeParseError }] =
    await Promise.all([
      import("./bundle.js"),
      import("./link.js"),
      import("./outline.js"),
      import("@airlock/freeze"),
    ]);
  const cwd = options.cwd ?? process.cwd();
  const report = options.onProgress ?? (() => undefined);
  const started = new Map<BuildStep, number>();
  const start = (step: BuildStep, detail?: string) => {
    started.set(step, performance.now());
    report({ step, status: "start", ...(detail ? { detail } : {}) });
  };
  const done = (step: BuildStep, detail?: string) => {
    const ms = Math.round(performance.now() - (started.get(step) ?? performance.now()));
    report({ step, status: "done", ms, ...(detail ? { detail } : {}) } satisfies BuildProgress);
  };
  const cached = (step: BuildStep, detail?: string) =>
    report({ step, status: "cached", ...(detail ? { detail } : {}) });

  start("resolve", options.entry);
  const { appDir, entryFile, name } = resolveEntry(resolve(cwd, options.entry));
  const entry = relative(appDir, entryFile);
  const config = embedConfig(options.config, appDir);
  const cache = new BuildCache(
    options.cacheDir !== undefined
      ? resolve(cwd, options.cacheDir)
      : join(appDir, ".airlock-cache"),
  );
  done("resolve", entry);

  // Bundle, unless every input esbuild read last time is byte-for-byte the same.
  const bundleKey = `bundle-${sha256(JSON.stringify([toolchain(), entryFile]))}.json`;
  const prior = cache.readJson<{ inputs: Record<string, string>; code: string }>(bundleKey);
  let code: string;
  let bundled = false;
  if (
    prior !== undefined &&
    typeof prior.code === "string" &&
    Object.entries(prior.inputs ?? {}).every(([path, hash]) => fileHash(path) === hash)
  ) {
    code = prior.code;
    cached("bundle", `${plural(Object.keys(prior.inputs).length, "file")} unchanged`);
  } else {
    start("bundle");
    const out = await bundle(entryFile, appDir);
    code = neutraliseHashbang(out.code);
    const inputs: Record<string, string> = {};
    for (const path of out.inputs) inputs[path] = fileHash(path) ?? "";
    cache.write(bundleKey, JSON.stringify({ inputs, code }));
    bundled = true;
    done("bundle", plural(out.inputs.length, "file"));
  }

  // Analyse + freeze, unless this exact bundle was frozen before.
  const bundleHash = sha256(code);
  const freezeKey = `freeze-${sha256(JSON.stringify([toolchain(), bundleHash]))}`;
  const priorFreeze = cache.readJson<FreezeEntry>(`${freezeKey}.json`);
  const priorWasm = cache.read(`${freezeKey}.wasm`);
  let linked: FreezeEntry;
  let wasm: Uint8Array;
  let froze = false;
  if (priorFreeze !== undefined && priorWasm !== undefined) {
    linked = priorFreeze;
    wasm = new Uint8Array(priorWasm);
    cached("analyse");
    cached("freeze", plural(linked.frozen.length, "function"));
  } else {
    start("analyse");
    let plan;
    // Freeze sees the bundle plus a synthetic function per top-level loop (outline.ts); the
    // shipped bundle gets the dispatch only.
    let freezeSource = code;
    try {
      const outline = outlineLoops(code);
      freezeSource = outline.freezeSource;
      plan = planLink(code, analyze(freezeSource, { sourceType: "module" }), outline);
    } catch (err) {
      if (!(err instanceof FreezeParseError)) throw err;
      plan = undefined;
      linked = { code, explain: [`(bundle): not analysed — ${err.message}`], frozen: [] };
    }
    const total = plan?.explain.length ?? 0;
    done("analyse", `${plan?.dispatched.length ?? 0} of ${plural(total, "function")} to freeze`);
    start("freeze");
    if (plan !== undefined && plan.dispatched.length > 0) {
      const module = compile(freezeSource, plan.compileReport);
      const byName = new Map(module.functions.map((f) => [f.name, f]));
      const frozen = plan.dispatched.map((d): ArtifactFrozenFunction => {
        const f = byName.get(d.name)!;
        return {
          name: f.name,
          params: f.params,
          paramKinds: f.paramKinds,
          paths: f.paths,
          returns: f.returns,
          dependsOn: f.dependsOn,
          exports: f.exports,
        };
      });
      wasm = module.wasm;
      linked = { code: plan.code, explain: [...plan.explain], frozen };
    } else {
      wasm = new Uint8Array(0);
      linked ??= { code, explain: plan ? [...plan.explain] : [], frozen: [] };
    }
    cache.write(`${freezeKey}.wasm`, wasm);
    cache.write(`${freezeKey}.json`, JSON.stringify(linked));
    froze = true;
    done("freeze", `${plural(linked.frozen.length, "function")}, ${wasm.length} bytes of wasm`);
  }

  start("write");
  const outFile = resolve(cwd, options.outFile ?? "app.airlock");
  const manifest: Omit<ArtifactManifest, "sizes"> = {
    format: "airlock-artifact",
    version: ARTIFACT_VERSION,
    entry,
    name,
    config,
    engine: { ...ENGINE },
    hashes: { bundle: sha256(Buffer.from(linked.code, "utf8")), frozen: sha256(wasm) },
    frozen: linked.frozen,
    createdAt: new Date().toISOString(),
  };
  const bytes = encodeArtifact(manifest, linked.code, wasm);
  const tmp = join(dirname(outFile), `.${process.pid}.airlock.tmp`);
  writeFileSync(tmp, bytes);
  renameSync(tmp, outFile);
  done("write", relative(cwd, outFile) || outFile);
  return {
    outFile,
    manifest: {
      ...manifest,
      sizes: { bundle: Buffer.byteLength(linked.code), frozen: wasm.length },
    },
    explain: linked.explain,
    work: { bundled, frozen: froze },
    bytes: bytes.length,
  };
}
