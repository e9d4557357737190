import binaryen from "binaryen";
import { analyzeInternal, type FnInfo } from "./analyze.js";
import { FnEmitter, exportName } from "./codegen.js";
import { FreezeCompileError, FreezeReportMismatchError } from "./errors.js";
import { addRuntime } from "./runtime-helpers.js";
import type {
  CompileOptions,
  FreezeReport,
  FrozenFunction,
  FrozenFunctionReport,
  FrozenModule,
} from "./types.js";
import { makeWrap } from "./wrap.js";

const DEFAULT_MAX_DEPTH = 5_000;

/**
 * Compiles the functions `report` marks frozen into one WebAssembly module (binaryen, optimised
 * at -O3 and validated). Each function gets an f64 version with exact JS number semantics and,
 * when its values can stay int32, an int32 fast path that bails to the f64 one on any surprise.
 *
 * Drop entries from `report.functions` (or mark them not frozen) to compile fewer functions; a
 * frozen function must keep every function it calls.
 *
 * @throws {FreezeReportMismatchError} when `report` was not made by `analyze(source)`.
 * @throws {FreezeCompileError} when binaryen rejects the generated module (a freeze bug).
 */
export function compile(
  source: string,
  report: FreezeReport,
  options: CompileOptions = {},
): FrozenModule {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 1_000_000) {
    throw new RangeError(`maxDepth must be an integer in 1..1000000, got ${maxDepth}`);
  }
  const analysis = analyzeInternal(source, { sourceType: report.sourceType });
  if (analysis.report.sourceHash !== report.sourceHash) {
    throw new FreezeReportMismatchError("source hash differs");
  }
  const wanted = report.functions.filter((f): f is FrozenFunctionReport => f.frozen);
  const selected = new Map<string, FnInfo>();
  for (const f of wanted) {
    const info = analysis.frozen.get(f.name);
    if (!info) throw new FreezeReportMismatchError(`${f.name} is not freezable in this source`);
    selected.set(f.name, info);
  }
  for (const [name, info] of selected) {
    for (const callee of info.calls) {
      if (!selected.has(callee)) {
        throw new FreezeReportMismatchError(`${name} calls ${callee}, which the report leaves out`);
      }
    }
  }

  const m = new binaryen.Module();
  try {
    m.setFeatures(
      binaryen.Features.MutableGlobals |
        binaryen.Features.NontrappingFPToInt |
        binaryen.Features.SignExt,
    );
    addRuntime(m);
    const imported = new Set<string>();
    const useImport = (name: string, arity: number): string => {
      const internal = `host_${name}`;
      if (!imported.has(name)) {
        imported.add(name);
        const params = binaryen.createType(new Array<number>(arity).fill(binaryen.f64));
        m.addFunctionImport(internal, "math", name, params, binaryen.f64);
      }
      return internal;
    };
    for (const info of selected.values()) {
      if (info.intPath) new FnEmitter(m, info, "int", selected, maxDepth, useImport).emit();
      new FnEmitter(m, info, "f64", selected, maxDepth, useImport).emit();
    }
    if (!m.validate()) throw new FreezeCompileError("before optimisation");
    const savedOpt = binaryen.getOptimizeLevel();
    const savedShrink = binaryen.getShrinkLevel();
    binaryen.setOptimizeLevel(3);
    binaryen.setShrinkLevel(0);
    try {
      m.optimize();
    } finally {
      binaryen.setOptimizeLevel(savedOpt);
      binaryen.setShrinkLevel(savedShrink);
    }
    if (!m.validate()) throw new FreezeCompileError("after optimisation");
    const wasm = m.emitBinary();
    const functions = wanted.map((f): FrozenFunction => {
      const info = selected.get(f.name)!;
      const exports = {
        ...(info.intPath ? { int32: exportName("int", f.name) } : {}),
        f64: exportName("f64", f.name),
      };
      const meta = {
        name: f.name,
        params: f.params,
        returns: f.returns,
        paths: f.paths,
        dependsOn: f.dependsOn,
        exports,
      };
      return { ...meta, wrap: makeWrap(meta) };
    });
    return { wasm, functions };
  } finally {
    m.dispose();
  }
}
