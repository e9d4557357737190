import binaryen from "binaryen";
import { analyzeInternal, type FnInfo } from "./analyze.js";
import { FnEmitter, NO_INLINE_PATTERN, exportName, type EmitContext } from "./codegen.js";
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

/**
 * Inline anything up to this size (binaryen's measure). Large enough that a recursive
 * function's clones are inlined into it (fib's chain of three is ~250), which is what unrolls
 * the recursion; originals of recursive functions are never inlined (see codegen).
 */
const ALWAYS_INLINE_MAX_SIZE = 300;
/** Clones per recursive function at most: fib(40) 0.64 s with none, 0.45 s with 1, 0.28 s with 3. */
const MAX_CLONE_LEVELS = 3;
/** Custom section naming each function's parameter kinds (see compile()). */
export const PARAM_KINDS_SECTION = "airlock.paramKinds";
/** Custom section naming the typed-array parameters each function writes (see compile()). */
export const WRITTEN_ARRAYS_SECTION = "airlock.writtenArrays";

function writtenParams(info: FnInfo): number[] {
  return info.params.flatMap((p, i) => (info.writtenArrays.has(p.id) ? [i] : []));
}
/** Unrolled code per recursive function stays under this many AST nodes (clone levels shrink). */
const UNROLL_MAX_NODES = 1_500;

/** How many levels to unroll `info` (0: no clones): each level multiplies its recursive call sites. */
function cloneLevels(info: FnInfo, recursive: Set<string>): number {
  const size = nodeCount(info.node.body);
  let sites = 0;
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach(visit);
    const n = node as { type?: string; callee?: { type?: string; name?: string } };
    if (n.type === "CallExpression" && n.callee?.type === "Identifier") {
      const ref = info.refs.get(n.callee as never);
      if (ref?.kind === "fn" && recursive.has(ref.name)) sites++;
    }
    for (const [k, v] of Object.entries(node)) if (k !== "loc") visit(v);
  };
  visit(info.node.body);
  let levels = 0;
  let copies = 1;
  let perLevel = 1;
  while (levels < MAX_CLONE_LEVELS) {
    perLevel *= Math.max(sites, 1);
    if ((copies + perLevel) * size > UNROLL_MAX_NODES) break;
    copies += perLevel;
    levels++;
  }
  return levels;
}

/** Functions that can reach themselves through calls (they need a fuel tick per call anyway). */
function recursiveFunctions(selected: Map<string, FnInfo>): Set<string> {
  const out = new Set<string>();
  for (const start of selected.keys()) {
    const seen = new Set<string>();
    const stack = [...selected.get(start)!.calls];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n === start) {
        out.add(start);
        break;
      }
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...(selected.get(n)?.calls ?? []));
    }
  }
  return out;
}

function nodeCount(node: unknown): number {
  if (node === null || typeof node !== "object") return 0;
  if (Array.isArray(node)) return node.reduce((n: number, c) => n + nodeCount(c), 0);
  let n = 1;
  for (const [k, v] of Object.entries(node)) if (k !== "loc") n += nodeCount(v);
  return n;
}

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
  const maxDepth = options.maxDepth;
  if (
    maxDepth !== undefined &&
    (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 1_000_000)
  ) {
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
        binaryen.Features.SignExt |
        binaryen.Features.Multivalue,
    );
    addRuntime(m);
    // Typed-array parameters live in linear memory (the wrapper copies them in and out).
    if ([...selected.values()].some((i) => i.params.some((p) => p.type === "arr"))) {
      m.setMemory(1, 65536, "memory");
    }
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
    const onCycle = recursiveFunctions(selected);
    // One unroll depth for the whole module: clones of mutually recursive functions call each
    // other level by level. The smallest depth any of them allows; 0 turns clones off.
    const levels = Math.min(
      MAX_CLONE_LEVELS,
      ...[...onCycle].map((n) => cloneLevels(selected.get(n)!, onCycle)),
    );
    // Functions on a cycle stay `r:` (never inlined) even without clones: binaryen would
    // otherwise keep inlining a cycle of small functions into each other.
    const recursive = onCycle;
    const ctx: EmitContext = {
      frozen: selected,
      recursive,
      cloneLevels: levels,
      maxDepth,
      useImport,
    };
    for (const info of selected.values()) {
      const copies = recursive.has(info.name) ? levels + 1 : 1;
      for (let clone = 0; clone < copies; clone++) {
        if (info.intPath) new FnEmitter(m, info, "int", ctx, clone).emit();
        new FnEmitter(m, info, "f64", ctx, clone).emit();
      }
    }
    if (!m.validate()) throw new FreezeCompileError("before optimisation");
    const saved = [
      binaryen.getOptimizeLevel(),
      binaryen.getShrinkLevel(),
      binaryen.getAlwaysInlineMaxSize(),
    ] as const;
    binaryen.setOptimizeLevel(3);
    binaryen.setShrinkLevel(0);
    binaryen.setAlwaysInlineMaxSize(ALWAYS_INLINE_MAX_SIZE);
    try {
      binaryen.setPassArgument("no-inline", NO_INLINE_PATTERN);
      m.runPasses(["no-inline"]);
      binaryen.setPassArgument("no-inline", null);
      // The second round cleans up after what the first one inlined.
      m.optimize();
      m.optimize();
    } finally {
      binaryen.setOptimizeLevel(saved[0]);
      binaryen.setShrinkLevel(saved[1]);
      binaryen.setAlwaysInlineMaxSize(saved[2]);
    }
    if (!m.validate()) throw new FreezeCompileError("after optimisation");
    // Which parameters are typed arrays, for hosts that get the module without the report
    // (`WebAssembly.Module.customSections(mod, "airlock.paramKinds")`, JSON by function name).
    const kinds: Record<string, string[]> = {};
    for (const f of wanted) {
      kinds[f.name] = selected
        .get(f.name)!
        .params.map((p) => (p.type === "arr" ? "typedarray" : "number"));
    }
    m.addCustomSection(PARAM_KINDS_SECTION, new TextEncoder().encode(JSON.stringify(kinds)));
    // Parameter indexes of the typed arrays each function stores into: a host copies only those
    // back after a call (missing section: copy every array back).
    const written: Record<string, number[]> = {};
    for (const f of wanted) written[f.name] = writtenParams(selected.get(f.name)!);
    m.addCustomSection(WRITTEN_ARRAYS_SECTION, new TextEncoder().encode(JSON.stringify(written)));
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
        paramKinds: f.paramKinds,
        returns: f.returns,
        paths: f.paths,
        dependsOn: f.dependsOn,
        exports,
      };
      return { ...meta, wrap: makeWrap(meta, writtenParams(info)) };
    });
    return { wasm, functions };
  } finally {
    m.dispose();
  }
}
