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
 */
import { parse } from "acorn";
import type * as A from "acorn";
import type { FreezeReport, FrozenFunctionReport, FunctionReport } from "@airlock/freeze";

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
  /** Functions that got a dispatch (what the artifact lists). */
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
  for (const raw of program.body) {
    let stmt: A.Node = raw;
    if (stmt.type === "ExportNamedDeclaration" || stmt.type === "ExportDefaultDeclaration") {
      const decl = (stmt as A.ExportNamedDeclaration).declaration;
      if (!decl) continue;
      stmt = decl;
    }
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

/** Plans and applies the dispatch for `bundle` (an ES module) given freeze's `report` for it. */
export function planLink(bundle: string, report: FreezeReport): LinkPlan {
  const frozen = new Map<string, FrozenFunctionReport>();
  for (const f of report.functions) if (f.frozen) frozen.set(f.name, f);
  const explainRejected = (f: FunctionReport) =>
    f.frozen ? describeFrozen(f) : `${f.name}: not frozen — ${f.reason}`;

  if (bundle.includes(PREFIX)) {
    const reason = `the bundle already uses the ${PREFIX} prefix, which the dispatch needs`;
    return {
      code: bundle,
      compileReport: { ...report, functions: report.functions.map((f) => reject(f, reason)) },
      dispatched: [],
      explain: report.functions.map((f) => `${f.name}: not frozen — ${reason}`),
    };
  }

  const program = parse(bundle, { ecmaVersion: 2022, sourceType: "module" });
  const bindings = topBindings(program);

  // Entry points: frozen, recursive (its own name among its transitive callees) or looping.
  const dispatched: FrozenFunctionReport[] = [];
  for (const f of frozen.values()) {
    const fn = bindings.get(f.name)?.fn;
    if (fn === undefined) continue;
    if (f.dependsOn.includes(f.name) || hasLoop(fn)) dispatched.push(f);
  }
  // Compile the entries and everything they call.
  const compiled = new Set<string>();
  for (const f of dispatched) {
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
  const explain = report.functions.map((f) => {
    if (!f.frozen) return explainRejected(f);
    if (dispatchedNames.has(f.name)) return describeFrozen(f);
    if (compiled.has(f.name)) {
      return `${f.name}: frozen only inside frozen callers — ${TOO_SMALL}`;
    }
    return `${f.name}: not frozen — ${TOO_SMALL}`;
  });
  if (dispatched.length === 0) {
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
  for (const f of dispatched) {
    const fn = bindings.get(f.name)!.fn!;
    const guards: string[] = [];
    const touch: string[] = [];
    for (const d of f.dependsOn) {
      if (d.startsWith("Math.")) continue; // checked per call by the sandbox
      const kind = bindings.get(d)?.kind;
      if (kind === "function") guards.push(`${d} === ${PREFIX}fz[${slot(d)}]`);
      else if (kind === "var") guards.push(`${d} !== undefined`);
      else touch.push(`${d};`);
    }
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
  const first = program.body.find(
    (s) => !(s.type === "ExpressionStatement" && (s as A.ExpressionStatement).directive),
  );
  const capture =
    `const ${PREFIX}fz = [typeof ${PREFIX}frozen === "function" ? ${PREFIX}frozen : null` +
    `${captured.map((n) => `, ${n}`).join("")}]; ` +
    `let ${dispatched.map((_, k) => `${PREFIX}sk${k} = 0`).join(", ")}; `;
  edits.push({ at: first ? first.start : bundle.length, text: capture });

  let code = bundle;
  for (const e of edits.sort((a, b) => b.at - a.at)) {
    code = code.slice(0, e.at) + e.text + code.slice(e.at);
  }
  return { code, compileReport, dispatched, explain };
}

function reject(f: FunctionReport, reason: string): FunctionReport {
  return { name: f.name, line: f.line, column: f.column, frozen: false, reason };
}
