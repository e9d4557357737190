import type { AirlockConfig } from "@airlock/config";

/** A frozen function as the artifact records it: what a sandbox needs to link it (no `wrap`). */
export interface ArtifactFrozenFunction {
  readonly name: string;
  readonly params: readonly string[];
  /**
   * Which parameters are typed arrays (freeze's `paramKinds`); absent in artifacts built before
   * typed arrays. The sandbox reads the same from the module's `airlock.paramKinds` section.
   */
  readonly paramKinds?: readonly ("number" | "typedarray")[];
  readonly paths: readonly ("int32" | "f64")[];
  readonly returns: "number" | "boolean";
  readonly dependsOn: readonly string[];
  /** Export names in the frozen wasm module. */
  readonly exports: { readonly int32?: string; readonly f64: string };
}

/** The JSON manifest at the front of an `.airlock` file. */
export interface ArtifactManifest {
  readonly format: "airlock-artifact";
  readonly version: 1;
  /** The entry file, relative to the app directory (`fib.js`, `src/main.ts`). */
  readonly entry: string;
  /** The app's name: package.json `name`, else the directory or file name. */
  readonly name: string;
  /** The resolved config the app was built with (without `source`), or null for the defaults. */
  readonly config: Omit<AirlockConfig, "source"> | null;
  readonly engine: { readonly quickjs: string };
  /** sha256 (hex) of the bundle text (UTF-8) and of the frozen wasm bytes. */
  readonly hashes: { readonly bundle: string; readonly frozen: string };
  /** Byte sizes of the sections after the manifest. */
  readonly sizes: { readonly bundle: number; readonly frozen: number };
  /** Functions the bundle dispatches to the frozen module. */
  readonly frozen: readonly ArtifactFrozenFunction[];
  /** ISO 8601 time of the build. */
  readonly createdAt: string;
}

/** A verified artifact: the manifest, the bundle (an ES module) and the frozen wasm (may be empty). */
export interface Artifact {
  readonly manifest: ArtifactManifest;
  readonly bundle: string;
  readonly wasm: Uint8Array;
}

/** The steps of a build, in order. */
export type BuildStep = "resolve" | "bundle" | "analyse" | "freeze" | "write";

/** One progress event: a step starts, ends, or is served from the cache. */
export interface BuildProgress {
  readonly step: BuildStep;
  readonly status: "start" | "done" | "cached";
  /** Milliseconds the step took (`done` only). */
  readonly ms?: number;
  /** Short human-readable detail (`fib.js`, `3 modules`, `2 of 5 functions`). */
  readonly detail?: string;
}

/** Options of {@link build}. */
export interface BuildOptions {
  /** The app: a `.js`/`.mjs`/`.ts` file, or a directory (package.json `main`, else index/main.js). */
  entry: string;
  /** Where to write the artifact. Default: `app.airlock` in `cwd`. */
  outFile?: string;
  /**
   * The config to embed: a resolved `AirlockConfig`, or a raw config object (validated).
   * Default: the app directory's `airlock.json` if there is one, else none.
   */
  config?: AirlockConfig | Record<string, unknown>;
  /** Called per step (see {@link BuildProgress}). */
  onProgress?: (event: BuildProgress) => void;
  /** Build cache directory. Default: `.airlock-cache` in the app directory. */
  cacheDir?: string;
  /** Base for relative paths. Default `process.cwd()`. */
  cwd?: string;
}

/** What {@link build} did. */
export interface BuildResult {
  readonly outFile: string;
  readonly manifest: ArtifactManifest;
  /** One line per top-level function of the bundle: frozen, or why not. */
  readonly explain: readonly string[];
  /** Which expensive steps ran (false: served from `.airlock-cache`). */
  readonly work: { readonly bundled: boolean; readonly frozen: boolean };
  /** Size of the artifact, bytes. */
  readonly bytes: number;
}
