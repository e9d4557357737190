/**
 * Decides which frozen functions the bundle dispatches to wasm and inserts the dispatch.
 *
 * A guest→host call costs ~35 µs, far more than a small function's interpreted body, so only
 * functions that loop or recurse get a dispatch (their callees are compiled too, but run
 * interpreted when called from interpreted code). The dispatch is one block at the start of the
 * function body, on the same line, so line numbers (stack traces) do not move:
 *
 *   { if (__airlock_sk0 > 0) __airlock_sk0--; else { const __airlock_f = __airlock_fz[0];
 *     if (__airlock_f !== null && fib === __airlock_fz[1]) { const __airlock_r = __airlock_f("fib", n);
 *     __airlock_sk0 = __airlock_f.handOff("fib"); if (__airlock_r !== undefined) return __airlock_r; } } }
 *
 * `__airlock_sk<k>` counts calls to skip (a module variable: the cheapest check QuickJS has): the sandbox's dispatcher backs off from calls too short
 * to pay for the crossing (or too deep) and hands the count over, so a skipped call costs one
 * array check instead of a call.
 * `__airlock_fz` (first statement of the bundle) captures `__airlock_frozen` and the original
 * function declarations; the dispatch runs only while every function the compiled code calls
 * is still bound to its original (a classic script could rebind one through `globalThis`), and
 * after touching `const`/`let` bindings it depends on, so their temporal dead zone still throws
 * — from the interpreted original, as JS would. `Math.*` members are checked by the sandbox.
 *
 * Top-level loops outlined by outline.ts get `if (!__airlock_L<k>()) ` in front of the loop (same
 * line) and their helper after the bundle's last line (see loopDispatch).
 */
import { parse } from "acorn";
import type * as A from "acorn";
import type { FreezeReport, FrozenFunctionReport, FunctionReport } from "@airlock/freeze";
import { LOOP_PREFIX, type LoopCandidate, type LoopOutline } from "./outline.js";
import { topLevelStatements } from "./top-level.js";

type FnNode = A.FunctionDeclaration | A.FunctionExpression | A.ArrowFunctionExpression;
type BindingKind = "function" | "const" | "let" | "var";

interface TopBinding {
  readonly kind: BindingKind;
  readonly fn?: FnNode;
}

/** The outcome for the bundle: rewritten code, the report to compile, explain lines. */
export interface LinkPlan {
  readonly code: string;
  /** `report` with everything that is not compiled marked not frozen. */
  readonly compileReport: FreezeReport;
  /** Functions and outlined loops (`__airlock_loop<k>`) that got a dispatch (what the artifact lists). */
  readonly dispatched: readonly FrozenFunctionReport[];
  readonly explain: readonly string[];
}

const PREFIX = "__airlock_";
const LOOPS = new Set([
  "ForStatement",
  "WhileStatement",
  "DoWhileStatement",
  "ForInStatement",
  "ForOfStatement",
]);

/** Why a frozen function gets no dispatch of its own. */
export const TOO_SMALL =
  "no loop or recursion: a call from the sandbox to frozen code (~35 µs) costs more than it saves";

function topBindings(program: A.Program): Map<string, TopBinding> {
  const out = new Map<string, TopBinding>();
  for (const { stmt } of topLevelStatements(program)) {
    if (stmt.type === "FunctionDeclaration") {
      const fn = stmt as A.FunctionDeclaration;
      if (fn.id) out.set(fn.id.name, { kind: "function", fn });
    } else if (stmt.type === "VariableDeclaration") {
      const v = stmt as A.VariableDeclaration;
      for (const d of v.declarations) {
        if (d.id.type !== "Identifier") continue;
        const init = d.init;
        const fn =
          init && (init.type === "FunctionExpression" || init.type === "ArrowFunctionExpression")
            ? init
            : undefined;
        out.set(d.id.name, { kind: v.kind as BindingKind, ...(fn ? { fn } : {}) });
      }
    }
  }
  return out;
}

function hasLoop(fn: FnNode): boolean {
  let found = false;
  const visit = (node: unknown): void => {
    if (found || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const n = node as A.Node;
    if (typeof n.type !== "string") return;
    if (LOOPS.has(n.type)) {
      found = true;
      return;
    }
    for (const [key, value] of Object.entries(n)) if (key !== "loc") visit(value);
  };
  visit(fn.body);
  return found;
}

function describeFrozen(f: FrozenFunctionReport): string {
  const paths = f.paths.length > 1 ? `${f.paths.join(" + ")} paths` : `${f.paths[0]} path`;
  return `${f.name}: frozen (${paths})`;
}

function describePaths(f: FrozenFunctionReport): string {
  return f.paths.length > 1 ? `${f.paths.join(" + ")} paths` : `${f.paths[0]} path`;
}

/**
 * Plans and applies the dispatch for `bundle` (an ES module) given freeze's `report` for it.
 * With `outline` (from {@link outlineLoops}), `report` is freeze's report on
 * `outline.freezeSource`, and the top-level loops whose synthetic function froze are dispatched
 * too (see loopDispatch).
 */
export function planLink(bundle: string, report: FreezeReport, outline?: LoopOutline): LinkPlan {
  const frozen = new Map<string, FrozenFunctionReport>();
  for (const f of report.functions) if (f.frozen) frozen.set(f.name, f);
  const explainRejected = (f: FunctionReport) =>
    f.frozen ? describeFrozen(f) : `${f.name}: not frozen — ${f.reason}`;
  const isLoop = (f: FunctionReport) => outline !== undefined && f.name.startsWith(LOOP_PREFIX);

  if (bundle.includes(PREFIX)) {
    const reason = `the bundle already uses the ${PREFIX} prefix, which the dispatch needs`;
    return {
      code: bundle,
      compileReport: { ...report, functions: report.functions.map((f) => reject(f, reason)) },
      dispatched: [],
      explain: report.functions
        .filter((f) => !isLoop(f))
        .map((f) => `${f.name}: not frozen — ${reason}`),
    };
  }

  const program = parse(bundle, { ecmaVersion: 2022, sourceType: "module" });
  const bindings = topBindings(program);
  const loops: { c: LoopCandidate; f: FrozenFunctionReport }[] = [];
  // Lines are the bundle's (esbuild reformats the app's code; no source map is kept).
  const loopLines: { line: number; text: string }[] = [];
  for (const r of outline?.rejected ?? []) {
    loopLines.push({ line: r.line, text: `not outlined — ${r.reason}` });
  }
  for (const c of outline?.candidates ?? []) {
    const f = report.functions.find((x) => x.name === c.name);
    if (f?.frozen) {
      loops.push({ c, f });
      loopLines.push({ line: c.line, text: `outlined as ${c.name} (${describePaths(f)})` });
    } else {
      const why = f ? f.reason : "freeze did not analyse it";
      loopLines.push({ line: c.line, text: `not outlined — ${why}` });
    }
  }
  const loopExplain = loopLines
    .sort((a, b) => a.line - b.line)
    .map((l) => `loop at bundle line ${l.line}: ${l.text}`);

  // Entry points: frozen, recursive (its own name among its transitive callees) or looping.
  const dispatched: FrozenFunctionReport[] = [];
  for (const f of frozen.values()) {
    const fn = bindings.get(f.name)?.fn;
    if (fn === undefined) continue;
    if (f.dependsOn.includes(f.name) || hasLoop(fn)) dispatched.push(f);
  }
  // Compile the entries and everything they call.
  const compiled = new Set<string>();
  for (const f of [...dispatched, ...loops.map((l) => l.f)]) {
    compiled.add(f.name);
    for (const d of f.dependsOn) if (frozen.has(d)) compiled.add(d);
  }
  const dispatchedNames = new Set(dispatched.map((f) => f.name));
  const compileReport: FreezeReport = {
    ...report,
    functions: report.functions.map((f) =>
      f.frozen && !compiled.has(f.name) ? reject(f, TOO_SMALL) : f,
    ),
  };
  const explain = report.functions
    .filter((f) => !isLoop(f))
    .map((f) => {
      if (!f.frozen) return explainRejected(f);
      if (dispatchedNames.has(f.name)) return describeFrozen(f);
      if (compiled.has(f.name)) {
        return `${f.name}: frozen only inside frozen callers — ${TOO_SMALL}`;
      }
      return `${f.name}: not frozen — ${TOO_SMALL}`;
    });
  explain.push(...loopExplain);
  if (dispatched.length === 0 && loops.length === 0) {
    return { code: bundle, compileReport, dispatched, explain };
  }

  // The captured originals: __airlock_fz[0] is the sandbox's dispatcher, then declarations.
  const captured: string[] = [];
  const slot = (name: string): number => {
    let i = captured.indexOf(name);
    if (i < 0) i = captured.push(name) - 1;
    return i + 1;
  };
  const edits: { at: number; text: string }[] = [];
  const guardsOf = (f: FrozenFunctionReport) => {
    const guards: string[] = [];
    const touch: string[] = [];
    for (const d of f.dependsOn) {
      if (d.startsWith("Math.")) continue; // checked per call by the sandbox
      const kind = bindings.get(d)?.kind;
      if (kind === "function") guards.push(`${d} === ${PREFIX}fz[${slot(d)}]`);
      else if (kind === "var") guards.push(`${d} !== undefined`);
      else touch.push(`${d};`);
    }
    return { guards, touch };
  };
  for (const f of dispatched) {
    const fn = bindings.get(f.name)!.fn!;
    const { guards, touch } = guardsOf(f);
    const k = dispatched.indexOf(f);
    const name = JSON.stringify(f.name);
    const call =
      `const ${PREFIX}r = ${PREFIX}f(${name}${f.params.map((p) => `, ${p}`).join("")}); ` +
      `${PREFIX}sk${k} = ${PREFIX}f.handOff(${name}); ` +
      `if (${PREFIX}r !== undefined) return ${PREFIX}r;`;
    const inner =
      touch.length === 0
        ? call
        : `let ${PREFIX}ok = true; try { ${touch.join(" ")} } catch { ${PREFIX}ok = false; } if (${PREFIX}ok) { ${call} }`;
    const dispatch =
      `{ if (${PREFIX}sk${k} > 0) ${PREFIX}sk${k}--; else { const ${PREFIX}f = ${PREFIX}fz[0]; ` +
      `if (${[`${PREFIX}f !== null`, ...guards].join(" && ")}) { ${inner} } } }`;
    if (fn.body.type === "BlockStatement") {
      edits.push({ at: fn.body.start + 1, text: ` ${dispatch}` });
    } else {
      // `(n) => expr` becomes `(n) => { dispatch return (expr); }`, still on the same lines.
      // From just after `=>` to the arrow's end: that covers parentheses around the body.
      const arrow = bundle.lastIndexOf("=>", fn.body.start);
      edits.push({ at: arrow + 2, text: `{ ${dispatch} return (` });
      edits.push({ at: fn.end, text: `); }` });
    }
  }
  // Loops: `if (!__airlock_L<k>()) <the loop, unchanged>`, the helpers appended at the end.
  const helpers: string[] = [];
  loops.forEach(({ c, f }, k) => {
    const { guards, touch } = guardsOf(f);
    edits.push({ at: c.start, text: `if (!${PREFIX}L${k}()) ` });
    helpers.push(loopDispatch(c, k, guards, touch));
  });
  if (helpers.length > 0) edits.push({ at: bundle.length, text: `\n${helpers.join("\n")}\n` });

  const first = program.body.find(
    (s) => !(s.type === "ExpressionStatement" && (s as A.ExpressionStatement).directive),
  );
  const capture =
    `const ${PREFIX}fz = [typeof ${PREFIX}frozen === "function" ? ${PREFIX}frozen : null` +
    `${captured.map((n) => `, ${n}`).join("")}]; ` +
    (dispatched.length > 0
      ? `let ${dispatched.map((_, k) => `${PREFIX}sk${k} = 0`).join(", ")}; `
      : "") +
    (loops.length > 0 ? LOOP_HELPERS : "");
  edits.push({ at: first ? first.start : bundle.length, text: capture });

  let code = bundle;
  for (const e of edits.sort((a, b) => b.at - a.at)) {
    code = code.slice(0, e.at) + e.text + code.slice(e.at);
  }
  return { code, compileReport, dispatched: [...dispatched, ...loops.map((l) => l.f)], explain };
}

/**
 * Helpers the loop dispatch needs, made by the bundle's first statement — before any of the
 * app's code runs, so they hold the intrinsics, whatever the app later patches:
 *
 * `__airlock_ar(x, plain, written)`: the argument for an array parameter. A real typed array
 * (its intrinsic tag getter says so) passes as it is (the sandbox's dispatcher checks its kind
 * and copies it). A plain `Array` passes as it is only where outline.ts proved the binding always
 * holds the array its literal made (`plain`: never a Proxy) and the loop only reads it: the
 * sandbox reads its elements from the engine's own storage (no guest code runs) and takes it
 * only when it is dense (no hole, no accessor) and every element is a number — as an
 * `Int32Array` when all are int32, so the int32 path may run. Checking and converting here, in
 * the interpreter, cost ~0.9 µs per element (100k elements: 88 ms). Anything else: `undefined`,
 * "run the original loop", as when the sandbox declines.
 *
 * `__airlock_nb(...arrays)`: true when no two typed arrays share a buffer (the host copies each
 * separately, so aliasing would not behave like JS; plain arrays are only read).
 */
/** `%TypedArray%.prototype[@@toStringTag]`'s getter, callable: a typed array's kind, else undefined. */
const TAG_OF =
  "Function.prototype.call.bind(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype), Symbol.toStringTag).get)";
const LOOP_HELPERS =
  `const ${PREFIX}ar = ((isArray, tagOf) => (x, plain, written) => ` +
  `tagOf(x) !== undefined ? x : plain && !written && isArray(x) ? x : undefined)` +
  `(Array.isArray, ${TAG_OF}); ` +
  `const ${PREFIX}nb = ((bufferOf, tagOf) => (...xs) => { for (let i = 1; i < xs.length; i++) for (let j = 0; j < i; j++) ` +
  `if (tagOf(xs[i]) !== undefined && tagOf(xs[j]) !== undefined && bufferOf(xs[i]) === bufferOf(xs[j])) return false; return true; })` +
  `(Function.prototype.call.bind(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype), "buffer").get), ${TAG_OF}); ` +
  `const ${PREFIX}F64 = Float64Array; `;

/**
 * The helper that runs loop `c` frozen: `true` when it did (and wrote the loop's outputs back
 * into their top-level bindings), `false` when the original loop must run — no sandbox
 * dispatcher, a called function rebound, a binding in its temporal dead zone, a top-level
 * variable that is not a number, an array that is not one the frozen code takes, or the frozen
 * code answered "not handled". The frozen code is pure, so running the original after it
 * declined is exact.
 */
function loopDispatch(c: LoopCandidate, k: number, guards: string[], touch: string[]): string {
  const f = `${PREFIX}f`;
  const out: string[] = [
    `function ${PREFIX}L${k}() { const ${f} = ${PREFIX}fz[0]; `,
    `if (${[`${f} === null`, ...guards.map((g) => `!(${g})`)].join(" || ")}) return false; `,
  ];
  if (touch.length > 0) out.push(`try { ${touch.join(" ")} } catch { return false; } `);
  const numbers = [...c.params.filter((p) => p.kind === "number").map((p) => p.name)];
  if (c.state) numbers.push(...c.outputs);
  if (numbers.length > 0) {
    out.push(`if (${numbers.map((n) => `typeof ${n} !== "number"`).join(" || ")}) return false; `);
  }
  // The copies may allocate much (an array's elements, again): a failure there (out of memory)
  // means "run the original", never an error the program would not have thrown.
  const args: string[] = [];
  const made: string[] = [];
  const fill: string[] = [];
  if (c.state) {
    made.push(`${PREFIX}s`);
    fill.push(`${PREFIX}s = new ${PREFIX}F64(${c.outputs.length}); `);
    c.outputs.forEach((o, i) => fill.push(`${PREFIX}s[${i}] = ${o}; `));
    args.push(`${PREFIX}s`);
  }
  const arrays: string[] = [];
  c.params.forEach((p, i) => {
    if (p.kind === "number") {
      args.push(p.name);
      return;
    }
    const v = `${PREFIX}a${i}`;
    made.push(v);
    fill.push(`${v} = ${PREFIX}ar(${p.name}, ${p.plain === true}, ${p.written}); `);
    arrays.push(v);
    args.push(v);
  });
  if (made.length > 0) {
    out.push(`let ${made.join(", ")}; try { ${fill.join("")}} catch { return false; } `);
  }
  if (arrays.length > 0) {
    out.push(`if (${arrays.map((a) => `${a} === undefined`).join(" || ")}) return false; `);
  }
  if (arrays.length > 1) out.push(`if (!${PREFIX}nb(${arrays.join(", ")})) return false; `);
  out.push(`const ${PREFIX}r = ${f}(${[JSON.stringify(c.name), ...args].join(", ")}); `);
  out.push(`if (${PREFIX}r === undefined) return false; `);
  if (c.state) c.outputs.forEach((o, i) => out.push(`${o} = ${PREFIX}s[${i}]; `));
  else if (c.outputs.length === 1) out.push(`${c.outputs[0]} = ${PREFIX}r; `);
  out.push(`return true; }`);
  return out.join("");
}

function reject(f: FunctionReport, reason: string): FunctionReport {
  return { name: f.name, line: f.line, column: f.column, frozen: false, reason };
}
