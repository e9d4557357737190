/**
 * Outlining of top-level loops: a `for`/`while`/`do` statement at the top level of the bundle
 * becomes a synthetic function that `@airlock/freeze` can compile, e.g. (loop.js)
 *
 *   function __airlock_loop1(N, arr, acc) { for (let run = 0; …) { … } return acc; }
 *
 * The top-level variables the loop touches become parameters: numbers (its only written
 * number is the return value; with several, they travel in a `Float64Array` `__airlock_s`
 * that the function reads at the start and writes at the end), and arrays (used as `x[i]` or
 * `x.length`) typed-array parameters. This module only *proposes*: the synthetic functions are
 * appended to the source freeze analyses, and freeze decides (with its usual reasons) whether
 * each one is in its subset. The link step (link.ts) then inserts the dispatch for those it
 * froze; the shipped bundle never contains the synthetic functions.
 *
 * What is decided here, statically, and why:
 * - every top-level binding the loop touches is declared (once) *before* the loop statement, so
 *   at the loop it is initialised (no temporal dead zone to reproduce) — otherwise not outlined;
 * - a written binding is not `const` (the original throws; leave that to it), not a function,
 *   class or import;
 * - an array the loop only reads may be a plain `Array` at run time (converted to a typed array
 *   after an exact check, see link.ts) only if its binding is initialised with an array literal
 *   and never assigned anywhere in the program: it then always holds that real array, never a
 *   Proxy, so the check's reads cannot run guest code;
 * - no `var` inside the loop (it would be a top-level binding the loop declares), no labels.
 */
import { parse } from "acorn";
import type * as A from "acorn";
import { numericLiteral } from "@airlock/freeze";
import { topLevelStatements } from "./top-level.js";

export const LOOP_PREFIX = "__airlock_loop";
/** The shared scalars array of a loop with several written numbers. */
const STATE = "__airlock_s";
/** The guest dispatcher takes at most this many arguments (wasm-host's `__airlock_frozen`). */
const MAX_PARAMS = 8;

type TopKind = "function" | "class" | "import" | "const" | "let" | "var";

interface TopDecl {
  readonly kind: TopKind;
  readonly count: number;
  /** Start of the declaring statement (for "declared before the loop"). */
  readonly at: number;
  readonly init: A.Node | null | undefined;
}

/** A loop parameter: a top-level number or array the loop touches. */
export interface LoopParam {
  readonly name: string;
  readonly kind: "number" | "array";
  /** Assigned (numbers) or stored into (arrays) by the loop. */
  readonly written: boolean;
  /** Arrays: may be a plain Array of numbers at run time (read-only, literal, never reassigned). */
  readonly plain?: boolean;
}

/** A top-level loop proposed to freeze as the synthetic function `name`. */
export interface LoopCandidate {
  readonly name: string;
  readonly line: number;
  readonly start: number;
  readonly end: number;
  /** The synthetic function's parameters in order (`__airlock_s` first when `state` is set). */
  readonly params: readonly LoopParam[];
  /** Written numbers, in `__airlock_s` order when `state`, else at most one (the return value). */
  readonly outputs: readonly string[];
  readonly state: boolean;
  readonly source: string;
}

export interface LoopRejection {
  readonly line: number;
  readonly reason: string;
}

export interface LoopOutline {
  readonly candidates: readonly LoopCandidate[];
  readonly rejected: readonly LoopRejection[];
  /** The bundle with the synthetic functions appended: what freeze analyses and compiles. */
  readonly freezeSource: string;
}

const LOOP_TYPES = new Set(["ForStatement", "WhileStatement", "DoWhileStatement"]);

function isNode(value: unknown): value is A.Node {
  return typeof value === "object" && value !== null && typeof (value as A.Node).type === "string";
}

/** Visits every node below `node` with its parent and the key it sits under. */
function walk(node: A.Node, visit: (n: A.Node, parent: A.Node | null, key: string) => void): void {
  const go = (n: A.Node, parent: A.Node | null, key: string): void => {
    visit(n, parent, key);
    for (const k of Object.keys(n)) {
      if (k === "loc") continue;
      const v = (n as unknown as Record<string, unknown>)[k];
      if (Array.isArray(v)) for (const c of v) isNode(c) && go(c, n, k);
      else if (isNode(v)) go(v, n, k);
    }
  };
  go(node, null, "");
}

/** True when `id` (under `parent` at `key`) is a reference to a binding, not a property name. */
function isReference(parent: A.Node | null, key: string): boolean {
  if (parent === null) return true;
  if (parent.type === "MemberExpression" && key === "property") {
    return (parent as A.MemberExpression).computed;
  }
  if ((parent.type === "Property" || parent.type === "PropertyDefinition") && key === "key") {
    return (parent as A.Property).computed;
  }
  if (parent.type === "MethodDefinition" && key === "key") return false;
  if (
    (parent.type === "BreakStatement" ||
      parent.type === "ContinueStatement" ||
      parent.type === "LabeledStatement") &&
    key === "label"
  ) {
    return false;
  }
  return true;
}

function topDeclarations(program: A.Program): Map<string, TopDecl> {
  const out = new Map<string, TopDecl>();
  const add = (name: string, kind: TopKind, at: number, init?: A.Node | null) => {
    const prior = out.get(name);
    out.set(name, { kind, count: (prior?.count ?? 0) + 1, at: prior?.at ?? at, init });
  };
  for (const { raw, stmt } of topLevelStatements(program)) {
    if (stmt.type === "FunctionDeclaration") {
      const id = (stmt as A.FunctionDeclaration).id;
      if (id) add(id.name, "function", -1);
    } else if (stmt.type === "ClassDeclaration") {
      const id = (stmt as A.ClassDeclaration).id;
      if (id) add(id.name, "class", raw.start);
    } else if (stmt.type === "ImportDeclaration") {
      for (const s of (stmt as A.ImportDeclaration).specifiers) add(s.local.name, "import", -1);
    } else if (stmt.type === "VariableDeclaration") {
      const v = stmt as A.VariableDeclaration;
      // `using` bindings are constant (and never numbers): treated as const.
      const kind: TopKind = v.kind === "var" || v.kind === "let" ? v.kind : "const";
      for (const d of v.declarations) {
        if (d.id.type === "Identifier") add(d.id.name, kind, raw.start, d.init);
        else {
          walk(d.id, (n) => {
            if (n.type === "Identifier") add((n as A.Identifier).name, kind, raw.start, null);
          });
        }
      }
    }
  }
  return out;
}

/** Names assigned anywhere in `program` (name-based: shadowing makes this conservative). */
function assignedNames(program: A.Program): Set<string> {
  const out = new Set<string>();
  const targets = (n: A.Node) =>
    walk(n, (p, parent, key) => {
      if (p.type === "Identifier" && isReference(parent, key)) out.add((p as A.Identifier).name);
    });
  walk(program, (n) => {
    if (n.type === "AssignmentExpression") {
      const left = (n as A.AssignmentExpression).left;
      if (left.type !== "MemberExpression") targets(left);
    } else if (n.type === "UpdateExpression") {
      const arg = (n as A.UpdateExpression).argument;
      if (arg.type === "Identifier") out.add(arg.name);
    } else if (n.type === "ForInStatement" || n.type === "ForOfStatement") {
      const left = (n as A.ForInStatement).left;
      if (left.type !== "VariableDeclaration") targets(left);
    }
  });
  return out;
}

function isArrayLiteral(init: A.Node | null | undefined): boolean {
  if (!init || init.type !== "ArrayExpression") return false;
  return (init as A.ArrayExpression).elements.every(
    (e) => e !== null && e.type !== "SpreadElement",
  );
}

class Skip {
  constructor(readonly reason: string) {}
}

/**
 * Finds the top-level loops of `bundle` (an ES module) worth proposing to freeze, and builds the
 * source freeze analyses: `bundle` plus one synthetic function per candidate.
 */
export function outlineLoops(bundle: string): LoopOutline {
  let program: A.Program;
  try {
    program = parse(bundle, { ecmaVersion: 2022, sourceType: "module", locations: true });
  } catch {
    // Not ES2022: freeze's own parse reports it (FreezeParseError); nothing to outline.
    return { candidates: [], rejected: [], freezeSource: bundle };
  }
  const top = topDeclarations(program);
  const assigned = assignedNames(program);
  // Member expressions that are the target of a store (`x[i] = …`, `x[i] += …`, `x[i]++`).
  const storedElements = new Set<A.Node>();
  walk(program, (n) => {
    if (n.type === "AssignmentExpression") {
      const left = (n as A.AssignmentExpression).left;
      if (left.type === "MemberExpression") storedElements.add(left);
    } else if (n.type === "UpdateExpression") {
      const arg = (n as A.UpdateExpression).argument;
      if (arg.type === "MemberExpression") storedElements.add(arg);
    }
  });

  const candidates: LoopCandidate[] = [];
  const rejected: LoopRejection[] = [];
  let index = 0;
  for (const stmt of program.body) {
    if (!LOOP_TYPES.has(stmt.type)) continue;
    const line = stmt.loc?.start.line ?? 0;
    try {
      candidates.push(candidate(stmt, `${LOOP_PREFIX}${index}`, line));
      index++;
    } catch (err) {
      if (!(err instanceof Skip)) throw err;
      rejected.push({ line, reason: err.reason });
    }
  }

  function candidate(stmt: A.Node, name: string, line: number): LoopCandidate {
    const used = new Map<string, { array: boolean; written: boolean; other: boolean }>();
    walk(stmt, (n, parent, key) => {
      if (n.type === "VariableDeclaration" && (n as A.VariableDeclaration).kind === "var") {
        throw new Skip("declares a var inside the loop (it would be a top-level binding)");
      }
      if (n.type === "LabeledStatement") throw new Skip("labeled statement");
      if (n.type !== "Identifier" || !isReference(parent, key)) return;
      const id = n as A.Identifier;
      const decl = top.get(id.name);
      if (decl === undefined || decl.kind === "function") return; // freeze resolves these
      const u = used.get(id.name) ?? { array: false, written: false, other: false };
      used.set(id.name, u);
      const m = parent as A.MemberExpression | null;
      const asObject = m?.type === "MemberExpression" && key === "object";
      const indexed =
        asObject &&
        (m.computed || (m.property.type === "Identifier" && m.property.name === "length"));
      if (indexed) u.array = true;
      else u.other = true;
      if (
        parent?.type === "UpdateExpression" ||
        (parent?.type === "AssignmentExpression" && key === "left")
      ) {
        u.written = true;
      }
      // an element store: `x[i] = v`, `x[i] op= v`, `x[i]++`
      if (indexed && m.computed && storedElements.has(m)) u.written = true;
    });

    const params: LoopParam[] = [];
    for (const [n, u] of used) {
      const decl = top.get(n)!;
      if (decl.kind === "class" || decl.kind === "import") {
        throw new Skip(`uses ${n}, a ${decl.kind === "class" ? "class" : "import"}`);
      }
      if (decl.count > 1) throw new Skip(`${n} is declared more than once`);
      if (decl.at > stmt.start) throw new Skip(`uses ${n} before its declaration`);
      if (u.array && u.other) throw new Skip(`uses ${n} both as an array and as a value`);
      if (u.written && decl.kind === "const" && !u.array) throw new Skip(`assigns to const ${n}`);
      if (u.array) {
        const plain = !u.written && isArrayLiteral(decl.init) && !assigned.has(n);
        params.push({ name: n, kind: "array", written: u.written, plain });
      } else if (decl.kind === "const" && typeof numericLiteral(decl.init) === "number") {
        // freeze inlines top-level numeric constants itself
      } else {
        params.push({ name: n, kind: "number", written: u.written });
      }
    }
    const outputs = params.filter((p) => p.kind === "number" && p.written).map((p) => p.name);
    const state = outputs.length > 1;
    const inputs = params.filter((p) => p.kind === "array" || !state || !p.written);
    const arity = inputs.length + (state ? 1 : 0);
    if (arity > MAX_PARAMS) {
      throw new Skip(`touches ${arity} top-level bindings (at most ${MAX_PARAMS})`);
    }
    const text = bundle.slice(stmt.start, stmt.end);
    const head = state ? outputs.map((o, i) => `let ${o} = ${STATE}[${i}];`).join(" ") : "";
    const tail = state
      ? `${outputs.map((o, i) => `${STATE}[${i}] = ${o};`).join(" ")} return 0;`
      : `return ${outputs[0] ?? 0};`;
    const names = [...(state ? [STATE] : []), ...inputs.map((p) => p.name)];
    const source = `function ${name}(${names.join(", ")}) { ${head}\n${text}\n${tail} }`;
    return {
      name,
      line,
      start: stmt.start,
      end: stmt.end,
      params: inputs,
      outputs,
      state,
      source,
    };
  }

  const freezeSource =
    candidates.length === 0 ? bundle : `${bundle}\n${candidates.map((c) => c.source).join("\n")}\n`;
  return { candidates, rejected, freezeSource };
}
