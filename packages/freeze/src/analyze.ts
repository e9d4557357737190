import { createHash } from "node:crypto";
import { parse } from "acorn";
import type * as A from "acorn";
import { FreezeParseError } from "./errors.js";
import { MATH_CONSTANTS, MATH_FUNCTIONS, FLOAT_MATH } from "./math-table.js";
import type {
  AnalyzeOptions,
  FreezeReport,
  FunctionReport,
  FrozenParamKind,
  FrozenPath,
  FrozenReturn,
} from "./types.js";

/**
 * Value kinds inside frozen code. Everything is a number except comparison results; `arr` is a
 * typed-array parameter, only ever indexed (`a[i]`, `a[i] = v`) or asked its `length`.
 */
export type Ty = "num" | "bool" | "arr";

/** A parameter or local of a frozen function. `id` is its slot; parameters come first. */
export interface Binding {
  readonly id: number;
  readonly name: string;
  readonly type: Ty;
  readonly constant: boolean;
}

/** What an identifier in frozen code refers to. */
export type Ref =
  | { kind: "local"; binding: Binding }
  | { kind: "const"; value: number }
  | { kind: "fn"; name: string };

export type FnNode = A.FunctionDeclaration | A.FunctionExpression | A.ArrowFunctionExpression;

/** Everything codegen needs about one freezable function. */
export interface FnInfo {
  readonly name: string;
  readonly node: FnNode;
  readonly params: Binding[];
  readonly bindings: Binding[];
  /** Declaration node (VariableDeclarator) → binding it creates. */
  readonly declared: Map<A.Node, Binding>;
  readonly refs: Map<A.Node, Ref>;
  readonly types: Map<A.Node, Ty>;
  returns: Ty;
  /** false when the function uses float-only values (non-int literals, Math.PI, sqrt…). */
  intPath: boolean;
  readonly calls: Set<string>;
  readonly consts: Set<string>;
  readonly math: Set<string>;
  /** Typed-array parameters it stores into (binding ids); the others need no copy back. */
  readonly writtenArrays: Set<number>;
}

/** The analysis plus what codegen needs; not public. */
export interface Analysis {
  readonly report: FreezeReport;
  readonly frozen: Map<string, FnInfo>;
}

class Reject {
  constructor(readonly reason: string) {}
}

type TopBinding =
  | { kind: "fn"; node: FnNode }
  | { kind: "const"; value: number }
  | { kind: "mutable" }
  | { kind: "other" };

interface Candidate {
  readonly name: string;
  readonly node: FnNode;
  readonly line: number;
  readonly column: number;
  /** Set when the binding itself disqualifies it (reassigned, declared twice…). */
  readonly reason?: string;
}

/** The Math members that always mean the same thing in frozen code (see math-table.ts). */
const GLOBAL_CONSTS: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
};

function parseSource(source: string, sourceType: "module" | "script" | "auto"): A.Program {
  const attempt = (type: "module" | "script"): A.Program =>
    parse(source, { ecmaVersion: 2022, sourceType: type, locations: true });
  try {
    return attempt(sourceType === "script" ? "script" : "module");
  } catch (err) {
    if (sourceType === "auto") {
      try {
        return attempt("script");
      } catch {
        // report the module error: module is the stricter, more likely intended reading
      }
    }
    const e = err as { loc?: { line: number; column: number }; message?: string };
    throw new FreezeParseError(e.loc?.line ?? 0, e.loc?.column ?? 0, String(e.message ?? err));
  }
}

/** Calls `visit` on every node below `node` (not `node` itself). */
function forEachChild(node: A.Node, visit: (child: A.Node) => void): void {
  for (const key of Object.keys(node)) {
    if (key === "loc") continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) visit(item);
    } else if (isNode(value)) visit(value);
  }
}

function isNode(value: unknown): value is A.Node {
  return typeof value === "object" && value !== null && typeof (value as A.Node).type === "string";
}

function walk(node: A.Node, visit: (n: A.Node) => void): void {
  visit(node);
  forEachChild(node, (child) => walk(child, visit));
}

/**
 * The numeric value of `5`, `-5`, `+5`, `1e3` — what a top-level `const` must be initialised
 * with for frozen code to inline it — else undefined.
 *
 * @example
 * numericLiteral(acorn.parseExpressionAt("-5", 0, { ecmaVersion: "latest" })); // -5
 */
export function numericLiteral(node: A.Node | null | undefined): number | undefined {
  if (!node) return undefined;
  if (node.type === "Literal" && typeof (node as A.Literal).value === "number") {
    return (node as A.Literal).value as number;
  }
  if (node.type === "UnaryExpression") {
    const u = node as A.UnaryExpression;
    const inner = numericLiteral(u.argument);
    if (inner === undefined) return undefined;
    if (u.operator === "-") return -inner;
    if (u.operator === "+") return inner;
  }
  return undefined;
}

function isFunctionNode(node: A.Node | null | undefined): node is FnNode {
  return (
    !!node &&
    (node.type === "FunctionExpression" ||
      node.type === "ArrowFunctionExpression" ||
      node.type === "FunctionDeclaration")
  );
}

/**
 * Parameters used as `p[…]` or `p.length` somewhere in `fn` (and never declared again inside
 * it): they are typed arrays or the function does not freeze. Every other use of them is then
 * rejected by the checker.
 */
function indexedParams(fn: FnNode): Set<string> {
  const names = new Set<string>();
  for (const p of fn.params) if (p.type === "Identifier") names.add(p.name);
  const out = new Set<string>();
  const redeclared = new Set<string>();
  walk(fn.body, (n) => {
    if (n.type === "MemberExpression") {
      const m = n as A.MemberExpression;
      if (m.object.type === "Identifier" && names.has(m.object.name)) {
        const isLength =
          !m.computed && m.property.type === "Identifier" && m.property.name === "length";
        if (m.computed || isLength) out.add(m.object.name);
      }
    } else if (n.type === "VariableDeclarator") {
      walk((n as A.VariableDeclarator).id, (i) => {
        if (i.type === "Identifier") redeclared.add((i as A.Identifier).name);
      });
    }
  });
  for (const r of redeclared) out.delete(r);
  return out;
}

export function isInt32(value: number): boolean {
  return (value | 0) === value && !Object.is(value, -0);
}

/**
 * Finds the pure numeric functions of `source` and says, for every top-level function, whether it
 * can be frozen to WebAssembly and why not when it cannot.
 *
 * @throws {FreezeParseError} when the source does not parse as ES2022.
 */
export function analyze(source: string, options: AnalyzeOptions = {}): FreezeReport {
  return analyzeInternal(source, options).report;
}

export function analyzeInternal(source: string, options: AnalyzeOptions = {}): Analysis {
  const program = parseSource(source, options.sourceType ?? "auto");
  const top = new Map<string, TopBinding>();
  const declCount = new Map<string, number>();
  const candidates: Candidate[] = [];
  const mutableKinds = new Map<string, string>();

  const declare = (name: string, binding: TopBinding) => {
    declCount.set(name, (declCount.get(name) ?? 0) + 1);
    top.set(name, binding);
  };

  for (const raw of program.body) {
    let stmt: A.Node = raw;
    if (stmt.type === "ExportNamedDeclaration" || stmt.type === "ExportDefaultDeclaration") {
      const decl = (stmt as A.ExportNamedDeclaration).declaration;
      if (!decl) continue;
      stmt = decl;
    }
    if (stmt.type === "FunctionDeclaration") {
      const fn = stmt as A.FunctionDeclaration;
      if (!fn.id) continue;
      declare(fn.id.name, { kind: "fn", node: fn });
      mutableKinds.set(fn.id.name, "function");
    } else if (stmt.type === "VariableDeclaration") {
      const v = stmt as A.VariableDeclaration;
      for (const d of v.declarations) {
        if (d.id.type !== "Identifier") {
          walk(d.id, (n) => {
            if (n.type === "Identifier") declare((n as A.Identifier).name, { kind: "other" });
          });
          continue;
        }
        const name = d.id.name;
        mutableKinds.set(name, v.kind);
        const value = numericLiteral(d.init);
        if (isFunctionNode(d.init)) declare(name, { kind: "fn", node: d.init });
        else if (v.kind === "const" && value !== undefined) declare(name, { kind: "const", value });
        else if (v.kind === "const") declare(name, { kind: "other" });
        else declare(name, { kind: "mutable" });
      }
    } else if (stmt.type === "ClassDeclaration") {
      const c = stmt as A.ClassDeclaration;
      if (c.id) declare(c.id.name, { kind: "other" });
    } else if (stmt.type === "ImportDeclaration") {
      for (const s of (stmt as A.ImportDeclaration).specifiers) {
        declare(s.local.name, { kind: "other" });
      }
    }
  }

  // Names assigned anywhere in the program. Name-based, so shadowing makes this conservative.
  const assigned = new Set<string>();
  let usesEval = false;
  let usesWith = false;
  walk(program, (n) => {
    if (n.type === "AssignmentExpression") {
      walk((n as A.AssignmentExpression).left, (p) => {
        if (p.type === "Identifier") assigned.add((p as A.Identifier).name);
      });
    } else if (n.type === "UpdateExpression") {
      const arg = (n as A.UpdateExpression).argument;
      if (arg.type === "Identifier") assigned.add(arg.name);
    } else if (n.type === "ForInStatement" || n.type === "ForOfStatement") {
      const left = (n as A.ForInStatement).left;
      if (left.type !== "VariableDeclaration") {
        walk(left, (p) => {
          if (p.type === "Identifier") assigned.add((p as A.Identifier).name);
        });
      }
    } else if (n.type === "Identifier" && (n as A.Identifier).name === "eval") {
      usesEval = true;
    } else if (n.type === "WithStatement") {
      usesWith = true;
    }
  });
  // A function binding that can change (assigned somewhere, declared twice) cannot be called
  // directly from frozen code: the interpreted program might be calling something else by then.
  for (const [name, binding] of top) {
    if (binding.kind !== "fn") continue;
    const rebound =
      (assigned.has(name) && mutableKinds.get(name) !== "const") || (declCount.get(name) ?? 0) > 1;
    if (rebound) {
      top.set(name, { kind: "mutable" });
      candidates.push(
        candidateOf(name, binding.node, `binding ${name} is reassigned or redeclared`),
      );
    } else {
      candidates.push(candidateOf(name, binding.node));
    }
  }
  candidates.sort((a, b) => a.node.start - b.node.start);

  function candidateOf(name: string, node: FnNode, reason?: string): Candidate {
    const loc = node.loc?.start;
    return {
      name,
      node,
      line: loc?.line ?? 0,
      column: loc?.column ?? 0,
      ...(reason ? { reason } : {}),
    };
  }

  const programReason = usesEval
    ? "the program uses eval (it could rebind anything)"
    : usesWith
      ? "the program uses a with statement"
      : undefined;

  // Return types depend on each other through calls: iterate until the guesses stop changing.
  const returnGuess = new Map<string, Ty>();
  for (const c of candidates) if (looksBoolean(c.node)) returnGuess.set(c.name, "bool");
  let results = new Map<string, FnInfo | Reject>();
  for (let round = 0; round < 6; round++) {
    results = new Map();
    for (const c of candidates) {
      if (c.reason || programReason) {
        results.set(c.name, new Reject(c.reason ?? programReason!));
        continue;
      }
      try {
        results.set(c.name, new FnChecker(c, top, returnGuess, source).run());
      } catch (err) {
        if (err instanceof Reject) results.set(c.name, err);
        else throw err;
      }
    }
    let changed = false;
    for (const [name, r] of results) {
      if (r instanceof Reject) continue;
      if ((returnGuess.get(name) ?? "num") !== r.returns) changed = true;
      returnGuess.set(name, r.returns);
    }
    if (!changed) break;
  }

  // Typed arrays only enter through the host's call (copied into memory): frozen code cannot
  // pass one, so a function taking one is never called from frozen code.
  for (const [name, r] of results) {
    if (r instanceof Reject) continue;
    for (const callee of r.calls) {
      const c = results.get(callee);
      if (c instanceof Reject || !c?.params.some((p) => p.type === "arr")) continue;
      results.set(name, new Reject(`calls ${callee}, which takes a typed array`));
      break;
    }
  }

  // A function is frozen only if everything it calls is frozen too.
  let shrinking = true;
  while (shrinking) {
    shrinking = false;
    for (const [name, r] of results) {
      if (r instanceof Reject) continue;
      for (const callee of r.calls) {
        if (!(results.get(callee) instanceof Reject)) continue;
        results.set(name, new Reject(`calls non-frozen function ${callee}`));
        shrinking = true;
        break;
      }
    }
  }

  const frozen = new Map<string, FnInfo>();
  const functions: FunctionReport[] = candidates.map((c) => {
    const r = results.get(c.name)!;
    const base = { name: c.name, line: c.line, column: c.column };
    if (r instanceof Reject) return { ...base, frozen: false, reason: r.reason };
    frozen.set(c.name, r);
    return {
      ...base,
      frozen: true,
      params: r.params.map((p) => p.name),
      paramKinds: r.params.map((p): FrozenParamKind =>
        p.type === "arr" ? "typedarray" : "number",
      ),
      returns: (r.returns === "bool" ? "boolean" : "number") satisfies FrozenReturn,
      paths: (r.intPath ? ["int32", "f64"] : ["f64"]) satisfies FrozenPath[],
      calls: [...r.calls].sort(),
      dependsOn: [],
    };
  });
  // dependsOn is transitive over calls.
  const deps = (name: string, seen = new Set<string>()): Set<string> => {
    const out = new Set<string>();
    if (seen.has(name)) return out;
    seen.add(name);
    const info = frozen.get(name)!;
    for (const c of info.calls) {
      out.add(c);
      for (const d of deps(c, seen)) out.add(d);
    }
    for (const c of info.consts) out.add(c);
    for (const m of info.math) out.add(`Math.${m}`);
    return out;
  };
  const withDeps = functions.map((f) =>
    f.frozen ? { ...f, dependsOn: [...deps(f.name)].sort() } : f,
  );
  const report: FreezeReport = {
    sourceType: program.sourceType,
    sourceHash: hashSource(source),
    functions: withDeps,
  };
  return { report, frozen };
}

/** First guess of a return type: boolean if some `return` plainly gives a boolean. */
function looksBoolean(fn: FnNode): boolean {
  const isBool = (e: A.Node | null | undefined): boolean => {
    if (!e) return false;
    if (e.type === "Literal") return typeof (e as A.Literal).value === "boolean";
    if (e.type === "UnaryExpression") return (e as A.UnaryExpression).operator === "!";
    if (e.type === "BinaryExpression") {
      return ["<", "<=", ">", ">=", "==", "!=", "===", "!=="].includes(
        (e as A.BinaryExpression).operator,
      );
    }
    if (e.type === "ConditionalExpression") {
      const c = e as A.ConditionalExpression;
      return isBool(c.consequent) || isBool(c.alternate);
    }
    if (e.type === "LogicalExpression") {
      const l = e as A.LogicalExpression;
      return isBool(l.left) || isBool(l.right);
    }
    return false;
  };
  if (fn.body.type !== "BlockStatement") return isBool(fn.body);
  let found = false;
  walk(fn.body, (n) => {
    if (n.type === "ReturnStatement" && isBool((n as A.ReturnStatement).argument)) found = true;
  });
  return found;
}

export function hashSource(source: string): string {
  return createHash("sha256").update(source).digest("hex");
}

class Scope {
  readonly vars = new Map<string, Binding | "tdz">();
  constructor(readonly parent: Scope | undefined) {}
  lookup(name: string): Binding | "tdz" | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
  }
}

/** Checks one candidate: throws Reject with the first reason it cannot be frozen. */
class FnChecker {
  private readonly info: FnInfo;
  private scope: Scope;
  private readonly functionScope: Scope;
  private returnTypes = new Set<Ty>();
  private selfName: string | undefined;

  constructor(
    private readonly cand: Candidate,
    private readonly top: Map<string, TopBinding>,
    private readonly returnGuess: Map<string, Ty>,
    private readonly source: string,
  ) {
    this.info = {
      name: cand.name,
      node: cand.node,
      params: [],
      bindings: [],
      declared: new Map(),
      refs: new Map(),
      types: new Map(),
      returns: "num",
      intPath: true,
      calls: new Set(),
      consts: new Set(),
      math: new Set(),
      writtenArrays: new Set(),
    };
    this.functionScope = new Scope(undefined);
    this.scope = this.functionScope;
  }

  run(): FnInfo {
    const fn = this.cand.node;
    if (fn.generator) throw new Reject("is a generator");
    if (fn.async) throw new Reject("is async");
    if (fn.type === "FunctionExpression" && fn.id && fn.id.name !== this.cand.name) {
      this.selfName = fn.id.name;
    }
    const arrayParams = indexedParams(fn);
    for (const p of fn.params) {
      if (p.type === "AssignmentPattern") throw new Reject("has a default parameter");
      if (p.type === "RestElement") throw new Reject("has a rest parameter");
      if (p.type !== "Identifier") throw new Reject("has a destructured parameter");
      if (this.functionScope.vars.has(p.name)) throw new Reject(`repeats parameter ${p.name}`);
      if (p.name === "arguments" || p.name === "eval") throw new Reject(`uses ${p.name}`);
      const b = this.newBinding(p.name, arrayParams.has(p.name) ? "arr" : "num", false);
      this.info.params.push(b);
      this.functionScope.vars.set(p.name, b);
    }
    if (fn.body.type === "BlockStatement") {
      this.hoistVars(fn.body.body);
      this.statements(fn.body.body, true);
    } else {
      this.returnTypes.add(this.expr(fn.body));
    }
    if (this.returnTypes.size === 0) throw new Reject("never returns a value");
    if (this.returnTypes.size > 1) throw new Reject("returns both booleans and numbers");
    this.info.returns = [...this.returnTypes][0]!;
    return this.info;
  }

  private newBinding(name: string, type: Ty, constant: boolean): Binding {
    const b: Binding = { id: this.info.bindings.length, name, type, constant };
    this.info.bindings.push(b);
    return b;
  }

  private text(node: A.Node): string {
    const t = this.source.slice(node.start, node.end).replace(/\s+/g, " ");
    return t.length > 40 ? `${t.slice(0, 37)}...` : t;
  }

  /** `var` is only accepted at the function's top level (so it is always initialised before use). */
  private hoistVars(body: A.Node[]): void {
    for (const s of body) {
      const decl =
        s.type === "VariableDeclaration"
          ? (s as A.VariableDeclaration)
          : s.type === "ForStatement" && (s as A.ForStatement).init?.type === "VariableDeclaration"
            ? ((s as A.ForStatement).init as A.VariableDeclaration)
            : undefined;
      if (decl?.kind !== "var") continue;
      for (const d of decl.declarations) {
        if (d.id.type === "Identifier") {
          if (this.functionScope.vars.has(d.id.name)) {
            throw new Reject(`declares ${d.id.name} twice`);
          }
          this.functionScope.vars.set(d.id.name, "tdz");
        }
      }
    }
  }

  private hoistLexical(body: A.Node[], scope: Scope): void {
    for (const s of body) {
      if (s.type === "VariableDeclaration" && (s as A.VariableDeclaration).kind !== "var") {
        for (const d of (s as A.VariableDeclaration).declarations) {
          if (d.id.type === "Identifier") scope.vars.set(d.id.name, "tdz");
        }
      }
    }
  }

  /** A statement list in the current scope (the caller made it); `let`/`const` are hoisted as TDZ. */
  private statements(body: A.Node[], functionTop = false): void {
    this.hoistLexical(body, this.scope);
    for (const s of body) this.statement(s, functionTop);
  }

  private withScope(f: () => void): void {
    const saved = this.scope;
    this.scope = new Scope(saved);
    try {
      f();
    } finally {
      this.scope = saved;
    }
  }

  private statement(node: A.Node, functionTop = false): void {
    switch (node.type) {
      case "ExpressionStatement": {
        const s = node as A.ExpressionStatement;
        if (s.directive !== undefined) return; // "use strict"
        this.expr(s.expression);
        return;
      }
      case "VariableDeclaration":
        return this.declaration(node as A.VariableDeclaration, functionTop);
      case "BlockStatement":
        return this.withScope(() => this.statements((node as A.BlockStatement).body));
      case "EmptyStatement":
        return;
      case "IfStatement": {
        const s = node as A.IfStatement;
        this.expr(s.test);
        this.withScope(() => this.statement(s.consequent));
        if (s.alternate) this.withScope(() => this.statement(s.alternate!));
        return;
      }
      case "ForStatement": {
        const s = node as A.ForStatement;
        return this.withScope(() => {
          if (s.init?.type === "VariableDeclaration") {
            this.hoistLexical([s.init], this.scope);
            this.declaration(s.init, functionTop);
          } else if (s.init) this.expr(s.init);
          if (s.test) this.expr(s.test);
          if (s.update) this.expr(s.update);
          this.withScope(() => this.statement(s.body));
        });
      }
      case "WhileStatement":
      case "DoWhileStatement": {
        const s = node as A.WhileStatement;
        this.expr(s.test);
        return this.withScope(() => this.statement(s.body));
      }
      case "BreakStatement":
      case "ContinueStatement":
        if ((node as A.BreakStatement).label) throw new Reject("uses a labeled break/continue");
        return;
      case "ReturnStatement": {
        const arg = (node as A.ReturnStatement).argument;
        if (arg) this.returnTypes.add(this.expr(arg));
        return;
      }
      case "TryStatement":
        throw new Reject("try/catch");
      case "ThrowStatement":
        throw new Reject("throw statement");
      case "WithStatement":
        throw new Reject("with statement");
      case "SwitchStatement":
        throw new Reject("switch statement");
      case "LabeledStatement":
        throw new Reject("labeled statement");
      case "ForInStatement":
        throw new Reject("for-in loop");
      case "ForOfStatement":
        throw new Reject("for-of loop");
      case "FunctionDeclaration":
        throw new Reject("contains a nested function (closure)");
      case "ClassDeclaration":
        throw new Reject("contains a class");
      case "DebuggerStatement":
        throw new Reject("debugger statement");
      default:
        throw new Reject(`unsupported statement ${node.type}`);
    }
  }

  private declaration(node: A.VariableDeclaration, functionTop: boolean): void {
    if (node.kind === "var" && !functionTop) {
      throw new Reject("var declared inside a block (use let)");
    }
    for (const d of node.declarations) {
      if (d.id.type !== "Identifier") throw new Reject("destructuring");
      const name = d.id.name;
      if (!d.init) throw new Reject(`${name} has no initializer (it could be undefined)`);
      if (name === "arguments" || name === "eval") throw new Reject(`uses ${name}`);
      const type = this.expr(d.init);
      const b = this.newBinding(name, type, node.kind === "const");
      this.info.declared.set(d, b);
      const scope = node.kind === "var" ? this.functionScope : this.scope;
      scope.vars.set(name, b);
    }
  }

  private resolve(id: A.Identifier): Ref {
    const name = id.name;
    const local = this.scope.lookup(name);
    if (local === "tdz") throw new Reject(`uses ${name} before its declaration`);
    if (local) return { kind: "local", binding: local };
    if (name === this.selfName) return { kind: "fn", name: this.cand.name };
    const t = this.top.get(name);
    if (t) {
      if (t.kind === "fn") return { kind: "fn", name };
      if (t.kind === "const") {
        this.info.consts.add(name);
        return { kind: "const", value: t.value };
      }
      if (t.kind === "mutable") throw new Reject(`captures mutable variable ${name}`);
      throw new Reject(`reads non-numeric binding ${name}`);
    }
    if (name === "this") throw new Reject("uses this");
    if (name === "arguments") throw new Reject("uses arguments");
    if (name === "eval") throw new Reject("calls eval");
    if (name === "undefined") throw new Reject("uses undefined");
    if (name in GLOBAL_CONSTS) return { kind: "const", value: GLOBAL_CONSTS[name]! };
    throw new Reject(`reads global ${name}`);
  }

  /** `floatOk`: a float value here is consumed at once (comparison, Math.floor…), so int paths stay. */
  private expr(node: A.Node, floatOk = false): Ty {
    const ty = this.exprInner(node, floatOk);
    this.info.types.set(node, ty);
    return ty;
  }

  private floatish(floatOk: boolean): void {
    if (!floatOk) this.info.intPath = false;
  }

  private numeric(node: A.Node, floatOk = false): void {
    this.expr(node, floatOk);
  }

  private exprInner(node: A.Node, floatOk: boolean): Ty {
    switch (node.type) {
      case "Literal": {
        const v = (node as A.Literal).value;
        if (typeof v === "number") {
          if (!isInt32(v)) this.floatish(floatOk);
          return "num";
        }
        if (typeof v === "boolean") return "bool";
        if (typeof v === "string") throw new Reject("string literal");
        if (v === null) throw new Reject("null literal");
        if (typeof v === "bigint") throw new Reject("BigInt literal");
        throw new Reject("regular expression literal");
      }
      case "Identifier": {
        const ref = this.resolve(node as A.Identifier);
        this.info.refs.set(node, ref);
        if (ref.kind === "fn") throw new Reject(`uses function ${ref.name} as a value`);
        if (ref.kind === "const") {
          if (!isInt32(ref.value)) this.floatish(floatOk);
          return "num";
        }
        if (ref.binding.type === "arr") {
          throw new Reject(`uses typed array ${ref.binding.name} other than a[i] or a.length`);
        }
        return ref.binding.type;
      }
      case "ThisExpression":
        throw new Reject("uses this");
      case "BinaryExpression": {
        const b = node as A.BinaryExpression;
        if (b.left.type === "PrivateIdentifier") throw new Reject("private field check");
        const op = b.operator;
        if (op === "in" || op === "instanceof") throw new Reject(`${op} operator`);
        const compare = ["<", "<=", ">", ">=", "==", "!=", "===", "!=="].includes(op);
        const lt = this.expr(b.left, compare);
        const rt = this.expr(b.right, compare);
        if (op === "**") this.floatish(floatOk);
        if (op === "==" || op === "!=" || op === "===" || op === "!==") {
          if (lt !== rt) throw new Reject(`compares a boolean with a number: ${this.text(node)}`);
          return "bool";
        }
        return compare ? "bool" : "num";
      }
      case "LogicalExpression": {
        const l = node as A.LogicalExpression;
        if (l.operator === "??") throw new Reject("?? operator");
        const lt = this.expr(l.left, floatOk);
        const rt = this.expr(l.right, floatOk);
        if (lt !== rt) throw new Reject(`${l.operator} mixes a boolean and a number`);
        return lt;
      }
      case "UnaryExpression": {
        const u = node as A.UnaryExpression;
        if (u.operator === "typeof" || u.operator === "void" || u.operator === "delete") {
          throw new Reject(`${u.operator} operator`);
        }
        this.expr(u.argument, u.operator === "!" || (floatOk && u.operator !== "~"));
        return u.operator === "!" ? "bool" : "num";
      }
      case "UpdateExpression": {
        const u = node as A.UpdateExpression;
        this.assignTarget(u.argument, "num");
        this.expr(u.argument);
        return "num";
      }
      case "AssignmentExpression": {
        const a = node as A.AssignmentExpression;
        if (a.operator === "&&=" || a.operator === "||=" || a.operator === "??=") {
          throw new Reject(`${a.operator} operator`);
        }
        const rt = this.expr(a.right);
        if (a.operator === "=") {
          this.assignTarget(a.left, rt);
          return rt;
        }
        if (a.operator === "**=") this.floatish(false);
        this.assignTarget(a.left, "num");
        this.expr(a.left as A.Node);
        return "num";
      }
      case "ConditionalExpression": {
        const c = node as A.ConditionalExpression;
        this.expr(c.test, true);
        const a = this.expr(c.consequent, floatOk);
        const b = this.expr(c.alternate, floatOk);
        if (a !== b) throw new Reject("? : mixes a boolean and a number");
        return a;
      }
      case "SequenceExpression": {
        const exprs = (node as A.SequenceExpression).expressions;
        let t: Ty = "num";
        exprs.forEach((e, i) => (t = this.expr(e, i === exprs.length - 1 ? floatOk : true)));
        return t;
      }
      case "CallExpression":
        return this.call(node as A.CallExpression, floatOk);
      case "MemberExpression": {
        const m = node as A.MemberExpression;
        if (this.element(m)) return "num";
        const name = this.mathMember(m);
        if (name !== undefined && name in MATH_CONSTANTS) {
          this.info.math.add(name);
          this.floatish(floatOk);
          return "num";
        }
        // Name the deeper problem first (`uses this`, `array literal`) when there is one.
        if (name === undefined && m.object.type !== "Super") this.expr(m.object);
        throw new Reject(`property access ${this.text(node)}`);
      }
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        throw new Reject("contains a nested function (closure)");
      case "TemplateLiteral":
        throw new Reject("template literal");
      case "TaggedTemplateExpression":
        throw new Reject("tagged template");
      case "ArrayExpression":
        throw new Reject("array literal");
      case "ObjectExpression":
        throw new Reject("object literal");
      case "NewExpression":
        throw new Reject("new expression");
      case "YieldExpression":
        throw new Reject("yield");
      case "AwaitExpression":
        throw new Reject("await");
      case "ChainExpression":
        throw new Reject(`property access ${this.text(node)}`);
      case "ClassExpression":
        throw new Reject("contains a class");
      default:
        throw new Reject(`unsupported expression ${node.type}`);
    }
  }

  /** `Math.x` (not shadowed, not computed) → "x", else undefined. */
  private mathMember(m: A.MemberExpression): string | undefined {
    if (m.computed || m.optional || m.object.type !== "Identifier") return undefined;
    if (m.object.name !== "Math" || m.property.type !== "Identifier") return undefined;
    if (this.scope.lookup("Math") !== undefined || this.top.has("Math")) {
      throw new Reject("Math is shadowed by a local binding");
    }
    return m.property.name;
  }

  /**
   * `a[i]` or `a.length` on a typed-array parameter: records the array's binding and says true.
   * Other property access on it is rejected; anything else is not an element (false).
   */
  private element(m: A.MemberExpression): boolean {
    if (m.optional || m.object.type !== "Identifier") return false;
    const local = this.scope.lookup(m.object.name);
    if (local === undefined || local === "tdz" || local.type !== "arr") return false;
    this.info.refs.set(m.object, { kind: "local", binding: local });
    if (m.computed) {
      if (this.expr(m.property, true) !== "num") throw new Reject("indexes with a boolean");
      return true;
    }
    if (m.property.type === "Identifier" && m.property.name === "length") return true;
    throw new Reject(`property access ${this.text(m)}`);
  }

  private assignTarget(target: A.Node, type: Ty): void {
    if (target.type === "MemberExpression") {
      const m = target as A.MemberExpression;
      if (m.computed && this.element(m)) {
        if (type !== "num") throw new Reject(`stores a boolean in ${this.text(m)}`);
        const ref = this.info.refs.get(m.object);
        if (ref?.kind === "local") this.info.writtenArrays.add(ref.binding.id);
        return;
      }
    }
    if (target.type !== "Identifier") {
      if (target.type === "MemberExpression") {
        throw new Reject(`property access ${this.text(target)}`);
      }
      throw new Reject("destructuring assignment");
    }
    const name = (target as A.Identifier).name;
    const local = this.scope.lookup(name);
    if (local === "tdz") throw new Reject(`uses ${name} before its declaration`);
    if (!local) {
      const t = this.top.get(name);
      if (t?.kind === "mutable" || t?.kind === undefined) {
        throw new Reject(`assigns to outer variable ${name}`);
      }
      throw new Reject(`assigns to ${name}`);
    }
    if (local.constant) throw new Reject(`assigns to const ${name}`);
    if (local.type === "arr") throw new Reject(`assigns to typed array parameter ${name}`);
    if (local.type !== type) throw new Reject(`${name} changes between boolean and number`);
    this.info.refs.set(target, { kind: "local", binding: local });
  }

  private call(c: A.CallExpression, floatOk: boolean): Ty {
    if (c.optional) throw new Reject("optional call");
    if (c.arguments.some((a) => a.type === "SpreadElement")) throw new Reject("spread argument");
    const args = c.arguments as A.Expression[];
    if (c.callee.type === "MemberExpression") {
      const name = this.mathMember(c.callee);
      if (name === undefined) throw new Reject(`calls a method: ${this.text(c.callee)}`);
      if (name === "random") throw new Reject("Math.random is not pure");
      const spec = MATH_FUNCTIONS[name];
      if (!spec) throw new Reject(`Math.${name} is not supported`);
      if (spec.arity >= 0 && args.length !== spec.arity) {
        throw new Reject(`calls Math.${name} with ${args.length} argument(s)`);
      }
      this.info.math.add(name);
      const narrows = name === "floor" || name === "ceil" || name === "round" || name === "trunc";
      for (const a of args) this.numeric(a, narrows);
      if (FLOAT_MATH.has(name)) this.floatish(floatOk);
      if (spec.arity < 0 && args.length === 0) this.floatish(floatOk); // ±Infinity
      return "num";
    }
    if (c.callee.type !== "Identifier") throw new Reject(`calls a computed function`);
    const calleeName = c.callee.name;
    const local = this.scope.lookup(calleeName);
    let target: string | undefined;
    if (local === undefined && calleeName === this.selfName) target = this.cand.name;
    else if (local === undefined && this.top.get(calleeName)?.kind === "fn") target = calleeName;
    if (target === undefined) throw new Reject(`calls non-frozen function ${calleeName}`);
    const callee = this.top.get(target);
    const expected = callee?.kind === "fn" ? callee.node.params.length : -1;
    if (args.length !== expected) {
      throw new Reject(`calls ${target} with ${args.length} argument(s), it takes ${expected}`);
    }
    for (const a of args) {
      if (this.expr(a) !== "num") throw new Reject(`passes a boolean to ${target}`);
    }
    this.info.refs.set(c.callee, { kind: "fn", name: target });
    this.info.calls.add(target);
    return this.returnGuess.get(target) ?? "num";
  }
}
