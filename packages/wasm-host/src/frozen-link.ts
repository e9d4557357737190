/**
 * Validation of `SandboxOptions.frozen` on the main thread: a bad module is an
 * `InvalidOptionError` at `createSandbox`, never a failure inside a worker mid-run.
 */
import { nodeCrypto } from "./builtins.js";
import { InvalidOptionError } from "./errors.js";
import type { FrozenRequest } from "./protocol.js";
import type { FrozenFunctionSpec, FrozenLink } from "./types.js";

/** The only imports a frozen module may have (see `@airlock/freeze`'s `frozenImports`). */
export const FROZEN_MATH_IMPORTS: ReadonlySet<string> = new Set([
  "mod",
  "pow",
  "atan2",
  "cbrt",
  "exp",
  "expm1",
  "log",
  "log1p",
  "log2",
  "log10",
  "sin",
  "cos",
  "tan",
  "asin",
  "acos",
  "atan",
  "sinh",
  "cosh",
  "tanh",
  "asinh",
  "acosh",
  "atanh",
]);

interface ModuleDescriptor {
  module: string;
  name: string;
  kind: string;
}
/** `WebAssembly.Module`'s static reflection (not in this package's WebAssembly typings). */
export const wasmReflect = WebAssembly.Module as unknown as {
  imports(m: WebAssembly.Module): ModuleDescriptor[];
  exports(m: WebAssembly.Module): Omit<ModuleDescriptor, "module">[];
};

const IDENT = /^[A-Za-z_$][\w$]*$/;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new InvalidOptionError(field, "expected an array of strings");
  }
  return [...(value as string[])];
}

/**
 * Checks a frozen module against the ABI of `@airlock/freeze` (imports, exports, the `__status`
 * global) and returns a plain copy with its sha256. `undefined` stays `undefined`.
 */
export function frozenRequest(frozen: FrozenLink | undefined): FrozenRequest | undefined {
  if (frozen === undefined) return undefined;
  if (!isObject(frozen)) throw new InvalidOptionError("frozen", "expected { wasm, functions }");
  if (!(frozen.wasm instanceof Uint8Array)) {
    throw new InvalidOptionError("frozen.wasm", "expected a Uint8Array (compile(...).wasm)");
  }
  if (!Array.isArray(frozen.functions)) {
    throw new InvalidOptionError("frozen.functions", "expected an array (compile(...).functions)");
  }
  const wasm = frozen.wasm.slice();
  let mod: WebAssembly.Module;
  try {
    mod = new WebAssembly.Module(wasm);
  } catch (err) {
    throw new InvalidOptionError(
      "frozen.wasm",
      `not a valid WebAssembly module (${(err as Error).message}); pass compile(...).wasm unchanged`,
    );
  }
  for (const imp of wasmReflect.imports(mod)) {
    const ok =
      imp.kind === "function" &&
      ((imp.module === "airlock" && imp.name === "checkpoint") ||
        (imp.module === "math" && FROZEN_MATH_IMPORTS.has(imp.name)));
    if (!ok) {
      throw new InvalidOptionError(
        "frozen.wasm",
        `imports ${imp.module}.${imp.name}, which a frozen module never needs; rebuild it with @airlock/freeze`,
      );
    }
  }
  const exported = new Map(wasmReflect.exports(mod).map((e) => [e.name, e.kind]));
  if (exported.get("__status") !== "global") {
    throw new InvalidOptionError("frozen.wasm", "has no __status global; not a frozen module");
  }
  const seen = new Set<string>();
  const functions = frozen.functions.map((f: unknown, i): FrozenFunctionSpec => {
    const field = `frozen.functions[${i}]`;
    if (!isObject(f)) throw new InvalidOptionError(field, "expected an object");
    if (typeof f.name !== "string" || !IDENT.test(f.name) || seen.has(f.name)) {
      throw new InvalidOptionError(`${field}.name`, "expected a unique identifier");
    }
    seen.add(f.name);
    if (f.returns !== "number" && f.returns !== "boolean") {
      throw new InvalidOptionError(`${field}.returns`, 'expected "number" or "boolean"');
    }
    const exports = f.exports;
    if (!isObject(exports) || typeof exports.f64 !== "string") {
      throw new InvalidOptionError(`${field}.exports`, "expected { f64, int32? } export names");
    }
    for (const key of ["f64", "int32"] as const) {
      const name = exports[key];
      if (name === undefined && key === "int32") continue;
      if (typeof name !== "string" || exported.get(name) !== "function") {
        throw new InvalidOptionError(
          `${field}.exports.${key}`,
          `the module exports no function ${String(name)}`,
        );
      }
    }
    return {
      name: f.name,
      params: stringList(f.params, `${field}.params`),
      returns: f.returns,
      dependsOn: stringList(f.dependsOn, `${field}.dependsOn`),
      exports: {
        f64: exports.f64,
        ...(typeof exports.int32 === "string" ? { int32: exports.int32 } : {}),
      },
    };
  });
  const hash = nodeCrypto().createHash("sha256").update(wasm).digest("hex");
  return { hash, wasm, functions };
}
