import binaryen from "binaryen";
import type * as A from "acorn";
import type { Binding, FnInfo } from "./analyze.js";
import { MATH_CONSTANTS, MATH_FUNCTIONS } from "./math-table.js";
import { STATUS, bail } from "./runtime-helpers.js";

const { i32, f64 } = binaryen;
type Ref = binaryen.ExpressionRef;

/** A compiled expression: `i` an int32 number (int path only), `f` a double, `b` a boolean 0/1. */
interface V {
  e: Ref;
  k: "i" | "f" | "b";
}

export type PathKind = "int" | "f64";

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

export function exportName(path: PathKind, name: string): string {
  return `${path === "int" ? "int32" : "f64"}:${name}`;
}

/**
 * Internal name of one version of a function: `n:` one that is on no call cycle; `r:` an
 * original on a call cycle and `c<k>:` its clones (`level` 0 is the original). Recursive calls go
 * original → clone 1 → … → clone L → original, and binaryen inlines the clones into the original
 * (originals are marked no-inline, so this stops there): the recursion is unrolled L levels,
 * with one wasm call and one fuel tick per L + 1 levels.
 */
export function internalName(path: PathKind, name: string, level: number | "plain"): string {
  const prefix = level === "plain" ? "n" : level === 0 ? "r" : `c${level}`;
  return `${prefix}:${exportName(path, name)}`;
}

/** Pattern for binaryen's `no-inline` pass: every `r:` function. */
export const NO_INLINE_PATTERN = "r:*";

/** What every emitter of one module shares. */
export interface EmitContext {
  readonly frozen: Map<string, FnInfo>;
  /** Functions on a call cycle: they get clones, and calls to them go through those. */
  readonly recursive: Set<string>;
  /** How many clones each of them gets. */
  readonly cloneLevels: number;
  /** When set, internal functions also take a call depth and bail past it. */
  readonly maxDepth: number | undefined;
  readonly useImport: (name: string, arity: number) => string;
}

/**
 * Emits one version (int32 or f64) of one frozen function into `m`.
 *
 * Calling convention inside the module: `(...params, [depth,] fuel) -> (value, fuel)`. Fuel
 * lives in a local (a register), not in the `fuel` global: a global load/store per call made
 * fib 75% slower. It is the *last* operand so that it is read after every argument (nested
 * calls in the arguments spend fuel first), and it comes back as a second result (multivalue).
 * The exported entry `(depth, ...params) -> value` (the ABI hosts call) moves fuel between
 * the global and this chain.
 */
export class FnEmitter {
  private vars: number[] = [];
  private readonly loops: { brk: string; cont: string }[] = [];
  private labels = 0;
  private readonly numType: number;
  private readonly valueType: number;
  /** Locals after the parameters: `depth` (when checked), then `fuel`. */
  private readonly depthSlot: number;
  private readonly fuelSlot: number;
  private readonly extra: number;
  private tuples = new Map<number, number>();
  /** Loop bodies emitted as functions of their own so far (see {@link bodyCall}). */
  private bodies = 0;
  /** Typed-array parameter binding id → its index among them (length/kind locals). */
  private readonly arrays = new Map<number, number>();

  constructor(
    private readonly m: binaryen.Module,
    private readonly info: FnInfo,
    private readonly path: PathKind,
    private readonly ctx: EmitContext,
    /** 0 for the original, k for clone k (see {@link internalName}). */
    private readonly clone = 0,
  ) {
    this.numType = path === "int" ? i32 : f64;
    this.valueType = info.returns === "bool" ? i32 : this.numType;
    const p = info.params.length;
    for (const b of info.params) if (b.type === "arr") this.arrays.set(b.id, this.arrays.size);
    const a = 2 * this.arrays.size;
    this.depthSlot = ctx.maxDepth === undefined ? -1 : p + a;
    this.fuelSlot = ctx.maxDepth === undefined ? p + a : p + a + 1;
    this.extra = this.fuelSlot + 1 - p;
    for (const b of info.bindings.slice(p)) this.vars.push(this.typeOf(b));
  }

  private paramTypes(): number[] {
    return [
      ...this.info.params.map((b) => this.typeOf(b)),
      ...new Array<number>(2 * this.arrays.size).fill(i32),
      ...(this.ctx.maxDepth === undefined ? [] : [i32]),
      i32,
    ];
  }

  emit(): void {
    const { m, info } = this;
    const name = internalName(this.path, info.name, this.level());
    const params = binaryen.createType(this.paramTypes());
    const result = binaryen.createType([this.valueType, i32]);
    const body: Ref[] = [];
    if (this.ctx.maxDepth !== undefined) {
      body.push(
        m.if(
          m.i32.gt_u(m.local.get(this.depthSlot, i32), m.i32.const(this.ctx.maxDepth)),
          bail(m, STATUS.depth),
        ),
      );
    }
    // Clones are entered only from the level before, so every cycle of calls still passes
    // through an original, which ticks.
    if (!this.clone) body.push(this.tick());
    const node = info.node;
    if (node.body.type === "BlockStatement") {
      for (const s of node.body.body) body.push(this.stmt(s));
      // Falling off the end returns undefined: not a number, so let the interpreter do it.
      body.push(bail(m, STATUS.unsupported));
    } else {
      body.push(this.ret(this.returnValue(this.expr(node.body))));
    }
    m.addFunction(name, params, result, this.vars, m.block(null, body, binaryen.unreachable));
    if (!this.clone) this.emitEntry();
  }

  /** The exported `(depth, ...params) -> value`: fuel from the global, and back. */
  private emitEntry(): void {
    const { m, info } = this;
    const name = exportName(this.path, info.name);
    const types = [
      ...info.params.map((b) => this.typeOf(b)),
      ...new Array<number>(2 * this.arrays.size).fill(i32),
    ];
    const tuple = binaryen.createType([this.valueType, i32]);
    const t = 1 + types.length;
    const args = types.map((ty, i) => m.local.get(1 + i, ty));
    if (this.ctx.maxDepth !== undefined) args.push(m.local.get(0, i32));
    args.push(m.global.get("fuel", i32));
    m.addFunction(
      `entry:${name}`,
      binaryen.createType([i32, ...types]),
      this.valueType,
      [tuple],
      m.block(
        null,
        [
          m.local.set(t, m.call(internalName(this.path, info.name, this.level()), args, tuple)),
          m.global.set("fuel", m.tuple.extract(m.local.get(t, tuple), 1)),
          m.tuple.extract(m.local.get(t, tuple), 0),
        ],
        this.valueType,
      ),
    );
    m.addFunctionExport(`entry:${name}`, name);
  }

  private level(): number | "plain" {
    return this.ctx.recursive.has(this.info.name) ? this.clone : "plain";
  }

  private ret(value: Ref): Ref {
    return this.m.return(this.m.tuple.make([value, this.m.local.get(this.fuelSlot, i32)]));
  }

  private typeOf(b: Binding): number {
    return b.type === "bool" || b.type === "arr" ? i32 : this.numType;
  }

  private slot(b: Binding): number {
    const p = this.info.params.length;
    return b.id < p ? b.id : b.id + this.extra;
  }

  private tmp(type: number): number {
    this.vars.push(type);
    return this.info.params.length + this.extra + this.vars.length - 1;
  }

  /** One reusable tuple local per result type (a call's result is extracted right away). */
  private tupleTmp(type: number): number {
    let t = this.tuples.get(type);
    if (t === undefined) {
      t = this.tmp(type);
      this.tuples.set(type, t);
    }
    return t;
  }

  private label(kind: string): string {
    return `${kind}${this.labels++}`;
  }

  /** One unit of fuel; at zero the host decides (more fuel, or the deadline trap). */
  private tick(): Ref {
    const { m } = this;
    const f = this.fuelSlot;
    return m.block(null, [
      m.local.set(f, m.i32.sub(m.local.get(f, i32), m.i32.const(1))),
      m.if(
        m.i32.le_s(m.local.get(f, i32), m.i32.const(0)),
        m.local.set(f, m.call("refuel", [], i32)),
      ),
    ]);
  }

  // ---- conversions -------------------------------------------------------------------------

  private toF(v: V): Ref {
    if (v.k === "f") return v.e;
    if (v.k === "b") return this.m.f64.convert_u.i32(v.e);
    return this.m.f64.convert_s.i32(v.e);
  }

  /** Numbers as the path prefers: int path keeps i32 (booleans are 0/1 ints), f64 path doubles. */
  private num(v: V): V {
    if (v.k === "b") return this.path === "int" ? { e: v.e, k: "i" } : { e: this.toF(v), k: "f" };
    return v;
  }

  /** A value stored into a number slot (local, argument, return) of this path. */
  private store(v: V): Ref {
    if (this.path === "f64") return this.toF(v);
    if (v.k === "f") return this.m.call("narrow", [v.e], i32);
    return v.e;
  }

  private toI32(v: V): Ref {
    return v.k === "f" ? this.m.call("toi32", [v.e], i32) : v.e;
  }

  private truthy(v: V): Ref {
    if (v.k !== "f") return v.e;
    return this.m.f64.gt(this.m.f64.abs(v.e), this.m.f64.const(0));
  }

  private returnValue(v: V): Ref {
    return this.info.returns === "bool" ? v.e : this.store(v);
  }

  private fromInt(e: Ref, unsigned = false): V {
    if (this.path === "int") return { e, k: "i" };
    return { e: unsigned ? this.m.f64.convert_u.i32(e) : this.m.f64.convert_s.i32(e), k: "f" };
  }

  // ---- statements --------------------------------------------------------------------------

  private stmts(list: A.Node[]): Ref {
    return this.m.block(
      null,
      list.map((s) => this.stmt(s)),
    );
  }

  private stmt(node: A.Node): Ref {
    const { m } = this;
    switch (node.type) {
      case "ExpressionStatement": {
        const s = node as A.ExpressionStatement;
        if (s.directive !== undefined) return m.nop();
        return m.drop(this.expr(s.expression).e);
      }
      case "VariableDeclaration": {
        const out: Ref[] = [];
        for (const d of (node as A.VariableDeclaration).declarations) {
          const b = this.info.declared.get(d)!;
          const v = this.expr(d.init!);
          out.push(m.local.set(this.slot(b), b.type === "bool" ? v.e : this.store(v)));
        }
        return m.block(null, out);
      }
      case "BlockStatement":
        return this.stmts((node as A.BlockStatement).body);
      case "EmptyStatement":
        return m.nop();
      case "IfStatement": {
        const s = node as A.IfStatement;
        const test = this.truthy(this.expr(s.test));
        return m.if(
          test,
          this.stmt(s.consequent),
          s.alternate ? this.stmt(s.alternate) : undefined,
        );
      }
      case "ReturnStatement": {
        const arg = (node as A.ReturnStatement).argument;
        if (!arg) return bail(m, STATUS.unsupported);
        return this.ret(this.returnValue(this.expr(arg)));
      }
      case "BreakStatement":
        return m.br(this.loops[this.loops.length - 1]!.brk);
      case "ContinueStatement":
        return m.br(this.loops[this.loops.length - 1]!.cont);
      case "WhileStatement":
      case "ForStatement":
      case "DoWhileStatement":
        return this.loop(node);
      default:
        throw new Error(`freeze codegen: unexpected statement ${node.type}`);
    }
  }

  /**
   * block $brk { [init] loop $top { tick; [br_if $brk !test]; block $cont { body }; [update];
   * [do-while: br_if $top test | else: br $top] } }
   */
  private loop(node: A.Node): Ref {
    const { m } = this;
    const brk = this.label("brk");
    const cont = this.label("cont");
    const top = this.label("top");
    const pre: Ref[] = [];
    const inner: Ref[] = [this.tick()];
    let test: A.Expression | null | undefined;
    let update: A.Expression | null | undefined;
    let body: A.Node;
    let isDo = false;
    if (node.type === "ForStatement") {
      const s = node as A.ForStatement;
      if (s.init?.type === "VariableDeclaration") pre.push(this.stmt(s.init));
      else if (s.init) pre.push(m.drop(this.expr(s.init).e));
      test = s.test;
      update = s.update;
      body = s.body;
    } else {
      const s = node as A.WhileStatement;
      test = s.test;
      body = s.body;
      isDo = node.type === "DoWhileStatement";
    }
    if (test && !isDo) inner.push(m.br(brk, m.i32.eqz(this.truthy(this.expr(test)))));
    this.loops.push({ brk, cont });
    inner.push(
      this.ownFunctionFor(body) ? this.bodyCall(body, brk) : m.block(cont, [this.stmt(body)]),
    );
    this.loops.pop();
    if (update) inner.push(m.drop(this.expr(update).e));
    if (isDo) inner.push(m.br(top, this.truthy(this.expr(test!))));
    else inner.push(m.br(top));
    return m.block(brk, [...pre, m.loop(top, m.block(null, inner))]);
  }

  /**
   * Whether a loop's body becomes a wasm function of its own: when it contains a loop itself, and
   * this function is on no call cycle and has no `return` in it. Why: V8 compiles a wasm function
   * with its baseline compiler (Liftoff) first and swaps in optimised code only for later *calls*
   * (no on-stack replacement), so a frozen top-level loop — one call — would run its whole length
   * in baseline code (typed-array.js: ~1 s instead of ~0.4 s). A body that is a function is
   * called once per outer iteration: from the second or third on, it runs optimised.
   */
  private ownFunctionFor(body: A.Node): boolean {
    if (this.ctx.recursive.has(this.info.name)) return false;
    let loops = false;
    let returns = false;
    const visit = (n: unknown): void => {
      if (n === null || typeof n !== "object") return;
      if (Array.isArray(n)) return n.forEach(visit);
      const t = (n as { type?: unknown }).type;
      if (t === "ForStatement" || t === "WhileStatement" || t === "DoWhileStatement") loops = true;
      if (t === "ReturnStatement") returns = true;
      for (const [k, v] of Object.entries(n)) if (k !== "loc") visit(v);
    };
    visit(body);
    return loops && !returns;
  }

  /**
   * The loop body as a call to a function of its own (see {@link ownFunctionFor}). It takes
   * every named local (parameters, array lengths and kinds, depth, fuel, then the function's
   * bindings — the same indexes as here, so its code is emitted as usual) and returns them all
   * plus 1 when the body `break`s out of the loop (0 when it ends or `continue`s); the caller
   * copies them back. Its temporaries are its own. Named `r:…` so that binaryen never inlines
   * it back (see NO_INLINE_PATTERN).
   */
  private bodyCall(body: A.Node, brk: string): Ref {
    const { m } = this;
    const named = [
      ...this.paramTypes(),
      ...this.info.bindings.slice(this.info.params.length).map((b) => this.typeOf(b)),
    ];
    const saved = { vars: this.vars, tuples: this.tuples };
    this.vars = saved.vars.slice(0, named.length - this.paramTypes().length);
    this.tuples = new Map();
    const exit = this.label("bodyexit");
    const next = this.label("bodynext");
    const all = (ctrl: number) =>
      m.return(m.tuple.make([...named.map((t, i) => m.local.get(i, t)), m.i32.const(ctrl)]));
    this.loops.push({ brk: exit, cont: next });
    const code = this.stmt(body);
    this.loops.pop();
    const temps = this.vars.slice(named.length - this.paramTypes().length);
    this.vars = saved.vars;
    this.tuples = saved.tuples;
    const result = binaryen.createType([...named, i32]);
    const name = `r:body${this.bodies++}:${internalName(this.path, this.info.name, this.level())}`;
    this.m.addFunction(
      name,
      binaryen.createType(named),
      result,
      temps,
      m.block(null, [m.block(exit, [m.block(next, [code]), all(0)]), all(1)], binaryen.unreachable),
    );
    const t = this.tmp(result);
    return m.block(null, [
      m.local.set(
        t,
        m.call(
          name,
          named.map((ty, i) => m.local.get(i, ty)),
          result,
        ),
      ),
      ...named.map((ty, i) => m.local.set(i, m.tuple.extract(m.local.get(t, result), i))),
      m.br(brk, m.tuple.extract(m.local.get(t, result), named.length)),
    ]);
  }

  // ---- expressions -------------------------------------------------------------------------

  private constant(value: number): V {
    if (this.path === "int" && (value | 0) === value && !Object.is(value, -0)) {
      return { e: this.m.i32.const(value), k: "i" };
    }
    return { e: this.m.f64.const(value), k: "f" };
  }

  expr(node: A.Node): V {
    const { m, info } = this;
    switch (node.type) {
      case "Literal": {
        const v = (node as A.Literal).value;
        if (typeof v === "boolean") return { e: m.i32.const(v ? 1 : 0), k: "b" };
        return this.constant(v as number);
      }
      case "Identifier": {
        const ref = info.refs.get(node)!;
        if (ref.kind === "const") return this.constant(ref.value);
        if (ref.kind !== "local") throw new Error("freeze codegen: function used as value");
        const b = ref.binding;
        const k = b.type === "bool" ? "b" : this.path === "int" ? "i" : "f";
        return { e: m.local.get(this.slot(b), this.typeOf(b)), k };
      }
      case "BinaryExpression": {
        const b = node as A.BinaryExpression;
        return this.binary(b.operator, this.expr(b.left as A.Expression), this.expr(b.right));
      }
      case "LogicalExpression":
        return this.logical(node as A.LogicalExpression);
      case "UnaryExpression":
        return this.unary(node as A.UnaryExpression);
      case "UpdateExpression":
        return this.update(node as A.UpdateExpression);
      case "AssignmentExpression":
        return this.assign(node as A.AssignmentExpression);
      case "ConditionalExpression": {
        const c = node as A.ConditionalExpression;
        const test = this.truthy(this.expr(c.test));
        const [a, b] = this.unify(this.expr(c.consequent), this.expr(c.alternate));
        return { e: m.if(test, a.e, b.e), k: a.k };
      }
      case "SequenceExpression": {
        const exprs = (node as A.SequenceExpression).expressions;
        const vals = exprs.map((e) => this.expr(e));
        const last = vals.pop()!;
        const type = last.k === "f" ? f64 : i32;
        return { e: m.block(null, [...vals.map((v) => m.drop(v.e)), last.e], type), k: last.k };
      }
      case "CallExpression":
        return this.call(node as A.CallExpression);
      case "MemberExpression": {
        const me = node as A.MemberExpression;
        const arr = this.arrayOf(me);
        if (arr !== undefined) {
          if (!me.computed) return this.fromInt(m.local.get(this.lenSlot(arr), i32));
          return this.loadElement(this.elementAddress(arr, me.property));
        }
        const prop = me.property as A.Identifier;
        return { e: m.f64.const(MATH_CONSTANTS[prop.name]!), k: "f" };
      }
      default:
        throw new Error(`freeze codegen: unexpected expression ${node.type}`);
    }
  }

  /** Two values of one kind: booleans stay, int32 pairs stay on the int path, else doubles. */
  private unify(a: V, b: V): [V, V] {
    if (a.k === "b" && b.k === "b") return [a, b];
    const na = this.num(a);
    const nb = this.num(b);
    if (na.k === "i" && nb.k === "i") return [na, nb];
    return [
      { e: this.toF(na), k: "f" },
      { e: this.toF(nb), k: "f" },
    ];
  }

  binary(op: string, left: V, right: V): V {
    const { m } = this;
    if (["==", "===", "!=", "!==", "<", "<=", ">", ">="].includes(op)) {
      const [l, r] = this.unify(left, right);
      if (l.k === "f") {
        const f = {
          "==": m.f64.eq,
          "===": m.f64.eq,
          "!=": m.f64.ne,
          "!==": m.f64.ne,
          "<": m.f64.lt,
          "<=": m.f64.le,
          ">": m.f64.gt,
          ">=": m.f64.ge,
        }[op]!;
        return { e: f(l.e, r.e), k: "b" };
      }
      const f = {
        "==": m.i32.eq,
        "===": m.i32.eq,
        "!=": m.i32.ne,
        "!==": m.i32.ne,
        "<": m.i32.lt_s,
        "<=": m.i32.le_s,
        ">": m.i32.gt_s,
        ">=": m.i32.ge_s,
      }[op]!;
      return { e: f(l.e, r.e), k: "b" };
    }
    if (["&", "|", "^", "<<", ">>", ">>>"].includes(op)) {
      const l = this.toI32(left);
      const r = this.toI32(right);
      switch (op) {
        case "&":
          return this.fromInt(m.i32.and(l, r));
        case "|":
          return this.fromInt(m.i32.or(l, r));
        case "^":
          return this.fromInt(m.i32.xor(l, r));
        case "<<":
          return this.fromInt(m.i32.shl(l, r));
        case ">>":
          return this.fromInt(m.i32.shr_s(l, r));
        default:
          // >>> gives a uint32; on the int path anything above 2^31-1 bails to f64.
          if (this.path === "int") return { e: m.call("shrui", [l, r], i32), k: "i" };
          return this.fromInt(m.i32.shr_u(l, r), true);
      }
    }
    if (op === "**") {
      const pow = this.ctx.useImport("pow", 2);
      return { e: m.call(pow, [this.toF(left), this.toF(right)], f64), k: "f" };
    }
    const [l, r] = this.unify(this.num(left), this.num(right));
    if (l.k === "i") {
      const fast = this.addConst(op, l.e, r.e);
      if (fast !== undefined) return { e: fast, k: "i" };
      const helper = { "+": "addi", "-": "subi", "*": "muli", "/": "divi", "%": "remi" }[op];
      if (!helper) throw new Error(`freeze codegen: operator ${op}`);
      return { e: m.call(helper, [l.e, r.e], i32), k: "i" };
    }
    switch (op) {
      case "+":
        return { e: m.f64.add(l.e, r.e), k: "f" };
      case "-":
        return { e: m.f64.sub(l.e, r.e), k: "f" };
      case "*":
        return { e: m.f64.mul(l.e, r.e), k: "f" };
      case "/":
        return { e: m.f64.div(l.e, r.e), k: "f" };
      case "%":
        return { e: m.call("fmod", [l.e, r.e], f64), k: "f" };
      default:
        throw new Error(`freeze codegen: operator ${op}`);
    }
  }

  /**
   * `x + c`, `c + x`, `x - c` on the int path with a constant `c`: overflow is one comparison of
   * `x` with a bound (`n - 1` in fib), cheaper than the general sign test.
   */
  private addConst(op: string, a: Ref, b: Ref): Ref | undefined {
    const { m } = this;
    const constOf = (e: Ref): number | undefined =>
      binaryen.getExpressionId(e) === binaryen.ConstId
        ? ((binaryen.getExpressionInfo(e) as binaryen.ConstInfo).value as number)
        : undefined;
    let x: Ref;
    let c: number | undefined;
    if (op === "+" && (c = constOf(b)) !== undefined) x = a;
    else if (op === "+" && (c = constOf(a)) !== undefined) x = b;
    else if (op === "-" && (c = constOf(b)) !== undefined && c !== INT_MIN) {
      x = a;
      c = -c;
    } else return undefined;
    if (c === 0) return x;
    const t = this.tmp(i32);
    const over =
      c > 0
        ? m.i32.gt_s(m.local.tee(t, x, i32), m.i32.const(INT_MAX - c))
        : m.i32.lt_s(m.local.tee(t, x, i32), m.i32.const(INT_MIN - c));
    return m.block(
      null,
      [m.if(over, bail(m, STATUS.intBail)), m.i32.add(m.local.get(t, i32), m.i32.const(c))],
      i32,
    );
  }

  /** `a && b` / `a || b`: short-circuit, and the value is the operand that decided. */
  private logical(node: A.LogicalExpression): V {
    const { m } = this;
    const [a, b] = this.unify(this.expr(node.left), this.expr(node.right));
    const type = a.k === "f" ? f64 : i32;
    const t = this.tmp(type);
    const test = this.truthy({ e: m.local.tee(t, a.e, type), k: a.k });
    const keep = m.local.get(t, type);
    const e = node.operator === "&&" ? m.if(test, b.e, keep) : m.if(test, keep, b.e);
    return { e, k: a.k };
  }

  private unary(node: A.UnaryExpression): V {
    const { m } = this;
    const v = this.expr(node.argument);
    switch (node.operator) {
      case "!":
        return { e: m.i32.eqz(this.truthy(v)), k: "b" };
      case "+":
        return this.num(v);
      case "~":
        return this.fromInt(m.i32.xor(this.toI32(v), m.i32.const(-1)));
      case "-": {
        const n = this.num(v);
        if (n.k === "i") return { e: m.call("negi", [n.e], i32), k: "i" };
        return { e: m.f64.neg(this.toF(n)), k: "f" };
      }
      default:
        throw new Error(`freeze codegen: unary ${node.operator}`);
    }
  }

  // ---- typed arrays -----------------------------------------------------------------------
  // Elements sit in memory as float64s whatever the array's kind (the wrapper converts on the
  // way in and out); a store converts the value to the kind first (`$conv`), so reading it back
  // gives what JS would.

  /** The typed-array binding `me` indexes, if it does. */
  private arrayOf(me: A.MemberExpression): Binding | undefined {
    const ref = this.info.refs.get(me.object);
    return ref?.kind === "local" && ref.binding.type === "arr" ? ref.binding : undefined;
  }

  private lenSlot(b: Binding): number {
    return this.info.params.length + 2 * this.arrays.get(b.id)!;
  }

  private kindSlot(b: Binding): number {
    return this.lenSlot(b) + 1;
  }

  /**
   * The byte address of `a[index]`, or a bail-out ("not handled": JS reads `undefined`, and a
   * store there is the interpreter's business) unless the index is an integer in [0, length).
   */
  private elementAddress(b: Binding, indexNode: A.Node): Ref {
    const { m } = this;
    const index = this.num(this.expr(indexNode));
    const len = m.local.get(this.lenSlot(b), i32);
    const base = m.local.get(this.slot(b), i32);
    const at = (i: Ref) => m.i32.add(base, m.i32.shl(i, m.i32.const(3)));
    if (index.k === "i") {
      const t = this.tmp(i32);
      return m.block(
        null,
        [
          m.if(m.i32.ge_u(m.local.tee(t, index.e, i32), len), bail(m, STATUS.unsupported)),
          at(m.local.get(t, i32)),
        ],
        i32,
      );
    }
    // A double index: in [0, length) (NaN fails), then truncated — which cannot trap in that
    // range — and converted back, which differs for fractions; -0 passes as index 0 (its
    // property key is "0"). No saturating truncation: V8's costs several times more.
    const t = this.tmp(f64);
    const idx = this.tmp(i32);
    const inRange = m.i32.and(
      m.f64.ge(m.local.tee(t, index.e, f64), m.f64.const(0)),
      m.f64.lt(m.local.get(t, f64), m.f64.convert_u.i32(len)),
    );
    return m.block(
      null,
      [
        m.if(m.i32.eqz(inRange), bail(m, STATUS.unsupported)),
        m.local.set(idx, m.i32.trunc_u.f64(m.local.get(t, f64))),
        m.if(
          m.f64.ne(m.f64.convert_u.i32(m.local.get(idx, i32)), m.local.get(t, f64)),
          bail(m, STATUS.unsupported),
        ),
        at(m.local.get(idx, i32)),
      ],
      i32,
    );
  }

  private loadElement(address: Ref): V {
    const e = this.m.f64.load(0, 8, address);
    return this.path === "int" ? { e: this.m.call("narrow", [e], i32), k: "i" } : { e, k: "f" };
  }

  /** `a[i] = v`, `a[i] op= v`, `a[i]++`: the expression's value is the unconverted number. */
  private storeElement(
    me: A.MemberExpression,
    b: Binding,
    value: (current: () => V) => { stored: V; result: "stored" | "old" },
  ): V {
    const { m } = this;
    const addr = this.tmp(i32);
    const setAddr = m.local.set(addr, this.elementAddress(b, me.property));
    const current = (): V => this.loadElement(m.local.get(addr, i32));
    const oldT = this.tmp(this.numType);
    let oldUsed = false;
    const { stored, result } = value(() => {
      oldUsed = true;
      return { e: m.local.get(oldT, this.numType), k: this.path === "int" ? "i" : "f" };
    });
    const sv = this.num(stored);
    const vt = sv.k === "i" ? i32 : f64;
    const valT = this.tmp(vt);
    const out: Ref[] = [setAddr];
    if (oldUsed) out.push(m.local.set(oldT, current().e));
    out.push(m.local.set(valT, sv.e));
    out.push(
      m.f64.store(
        0,
        8,
        m.local.get(addr, i32),
        m.call(
          "conv",
          [m.local.get(this.kindSlot(b), i32), this.toF({ e: m.local.get(valT, vt), k: sv.k })],
          f64,
        ),
      ),
    );
    if (result === "old") {
      out.push(m.local.get(oldT, this.numType));
      return { e: m.block(null, out, this.numType), k: this.path === "int" ? "i" : "f" };
    }
    out.push(m.local.get(valT, vt));
    return { e: m.block(null, out, vt), k: sv.k };
  }

  private localOf(node: A.Node): Binding {
    const ref = this.info.refs.get(node);
    if (ref?.kind !== "local") throw new Error("freeze codegen: assignment target");
    return ref.binding;
  }

  private update(node: A.UpdateExpression): V {
    const { m } = this;
    if (node.argument.type === "MemberExpression") {
      const me = node.argument as A.MemberExpression;
      const op = node.operator === "++" ? "+" : "-";
      return this.storeElement(me, this.arrayOf(me)!, (old) => ({
        stored: this.binary(op, old(), this.constant(1)),
        result: node.prefix ? "stored" : "old",
      }));
    }
    const b = this.localOf(node.argument);
    const type = this.typeOf(b);
    const k = this.path === "int" ? "i" : "f";
    const old = (): V => ({ e: m.local.get(this.slot(b), type), k });
    if (node.prefix) {
      const step = this.binary(node.operator === "++" ? "+" : "-", old(), this.constant(1));
      return { e: m.local.tee(this.slot(b), this.store(step), type), k };
    }
    const t = this.tmp(type);
    const stepFromTmp = this.binary(
      node.operator === "++" ? "+" : "-",
      { e: m.local.get(t, type), k },
      this.constant(1),
    );
    return {
      e: m.block(
        null,
        [
          m.local.set(t, old().e),
          m.local.set(this.slot(b), this.store(stepFromTmp)),
          m.local.get(t, type),
        ],
        type,
      ),
      k,
    };
  }

  private assign(node: A.AssignmentExpression): V {
    const { m } = this;
    if (node.left.type === "MemberExpression") {
      const me = node.left as A.MemberExpression;
      const b = this.arrayOf(me)!;
      // JS evaluates the index before the right-hand side; elementAddress runs first here too.
      if (node.operator === "=") {
        return this.storeElement(me, b, () => ({
          stored: this.expr(node.right),
          result: "stored",
        }));
      }
      return this.storeElement(me, b, (old) => ({
        stored: this.binary(node.operator.slice(0, -1), old(), this.expr(node.right)),
        result: "stored",
      }));
    }
    const b = this.localOf(node.left);
    const type = this.typeOf(b);
    let value: V;
    if (node.operator === "=") {
      value = this.expr(node.right);
    } else {
      const k = this.path === "int" ? "i" : "f";
      const current: V = { e: m.local.get(this.slot(b), type), k };
      value = this.binary(node.operator.slice(0, -1), current, this.expr(node.right));
    }
    if (b.type === "bool") return { e: m.local.tee(this.slot(b), value.e, i32), k: "b" };
    return {
      e: m.local.tee(this.slot(b), this.store(value), type),
      k: this.path === "int" ? "i" : "f",
    };
  }

  private call(node: A.CallExpression): V {
    const { m } = this;
    const args = (node.arguments as A.Expression[]).map((a) => this.expr(a));
    if (node.callee.type === "MemberExpression") {
      const name = (node.callee.property as A.Identifier).name;
      return this.math(name, args);
    }
    const ref = this.info.refs.get(node.callee);
    if (ref?.kind !== "fn") throw new Error("freeze codegen: callee");
    const callee = this.ctx.frozen.get(ref.name)!;
    const useInt = this.path === "int" && callee.intPath;
    const operands = args.map((a) => (useInt ? this.store(a) : this.toF(a)));
    if (this.ctx.maxDepth !== undefined) {
      operands.push(m.i32.add(m.local.get(this.depthSlot, i32), m.i32.const(1)));
    }
    // Read after the arguments: calls among them have spent fuel by then.
    operands.push(m.local.get(this.fuelSlot, i32));
    const resultType = callee.returns === "bool" ? i32 : useInt ? i32 : f64;
    const tuple = binaryen.createType([resultType, i32]);
    const t = this.tupleTmp(tuple);
    // Level k calls level k + 1 of a recursive callee; the last clone calls the originals.
    const level = !this.ctx.recursive.has(ref.name)
      ? "plain"
      : (this.clone + 1) % (this.ctx.cloneLevels + 1);
    const target = internalName(useInt ? "int" : "f64", ref.name, level);
    const e = m.block(
      null,
      [
        m.local.set(t, m.call(target, operands, tuple)),
        m.local.set(this.fuelSlot, m.tuple.extract(m.local.get(t, tuple), 1)),
        m.tuple.extract(m.local.get(t, tuple), 0),
      ],
      resultType,
    );
    return { e, k: callee.returns === "bool" ? "b" : useInt ? "i" : "f" };
  }

  private math(name: string, raw: V[]): V {
    const { m } = this;
    const args = raw.map((a) => this.num(a));
    const a0 = args[0]!;
    const allInt = args.every((a) => a.k === "i");
    const f = (v: V) => this.toF(v);
    switch (name) {
      case "floor":
      case "ceil":
      case "trunc":
      case "round":
        if (a0.k === "i") return a0;
        if (name === "round") return { e: m.call("roundf", [f(a0)], f64), k: "f" };
        return { e: m.f64[name](f(a0)), k: "f" };
      case "abs":
        if (a0.k === "i") return { e: m.call("absi", [a0.e], i32), k: "i" };
        return { e: m.f64.abs(f(a0)), k: "f" };
      case "sign":
        if (a0.k === "i") {
          // (x > 0) - (x < 0); x is evaluated once through a temp.
          const t = this.tmp(i32);
          return {
            e: m.i32.sub(
              m.i32.gt_s(m.local.tee(t, a0.e, i32), m.i32.const(0)),
              m.i32.lt_s(m.local.get(t, i32), m.i32.const(0)),
            ),
            k: "i",
          };
        }
        return { e: m.call("signf", [f(a0)], f64), k: "f" };
      case "sqrt":
        return { e: m.f64.sqrt(f(a0)), k: "f" };
      case "fround":
        return { e: m.f64.promote(m.f32.demote(f(a0))), k: "f" };
      case "imul":
        return this.fromInt(m.i32.mul(this.toI32(a0), this.toI32(args[1]!)));
      case "clz32":
        return this.fromInt(m.i32.clz(this.toI32(a0)));
      case "min":
      case "max": {
        if (args.length === 0) return this.constant(name === "min" ? Infinity : -Infinity);
        if (allInt) {
          return args.reduce((acc, v) => ({ e: m.call(`${name}i`, [acc.e, v.e], i32), k: "i" }));
        }
        const op = name === "min" ? m.f64.min : m.f64.max;
        // f64.min/max propagate NaN and order -0 below +0, exactly like Math.min/max.
        return args
          .map((v): V => ({ e: f(v), k: "f" }))
          .reduce((acc, v) => ({ e: op(acc.e, v.e), k: "f" }));
      }
      default: {
        const spec = MATH_FUNCTIONS[name]!;
        const imp = this.ctx.useImport(name, spec.arity);
        return { e: m.call(imp, args.map(f), f64), k: "f" };
      }
    }
  }
}
