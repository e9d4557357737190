import type { ScopeInfo, Source, Binding } from "./scope.js";
import type { Node } from "./walk.js";

/**
 * What the analyzer knows about an expression's value: a constant string, number or array of
 * constants, or a reference to a known global path ("eval", "process.env", "" for the global object)
 * or module export ("module:child_process.exec"). `folded` marks values computed from pieces
 * (`'ev' + 'al'`, `fromCharCode`, `join`) and `decoded` strings that came out of base64/hex/URI
 * decoding — both are signs of obfuscation.
 */
export type Value =
  | { readonly k: "str"; readonly v: string; readonly folded: boolean; readonly decoded: boolean }
  | { readonly k: "num"; readonly v: number }
  | { readonly k: "arr"; readonly items: readonly (string | number)[] }
  | { readonly k: "ref"; readonly path: string; readonly folded: boolean };

/** Names that denote the global object when not shadowed by a local binding. */
export const GLOBAL_ALIASES = new Set([
  "globalThis",
  "window",
  "self",
  "global",
  "frames",
  "top",
  "parent",
]);

/** Calls that load a module by name. */
export const REQUIRE_LIKE = new Set([
  "require",
  "module.require",
  "process.mainModule.require",
  "require.main.require",
  "module.constructor._load",
  "module.constructor.prototype.require",
  "module:module._load",
  "module:module.prototype.require",
]);

/** Builtin constructors whose `.constructor` is `Function`. */
const CONSTRUCTORS = new Set([
  "Function",
  "Object",
  "Array",
  "String",
  "Number",
  "Boolean",
  "Symbol",
  "RegExp",
  "Promise",
  "Error",
  "Date",
  "Map",
  "Set",
]);

const MAX_DEPTH = 48;
const MAX_STRING = 65_536;
const MAX_ARRAY = 10_000;
const MAX_KEY = 200;
const MAX_SOURCES = 16;

const str = (v: string, folded: boolean, decoded = false): Value | null =>
  v.length > MAX_STRING ? null : { k: "str", v, folded, decoded };
const ref = (path: string, folded = false): Value => ({ k: "ref", path, folded });

/** Strip wrappers that do not change the value: parentheses, TypeScript assertions, `?.` chains. */
export function unwrap(node: Node): Node {
  let n = node;
  for (;;) {
    switch (n.type) {
      case "ChainExpression":
      case "ParenthesizedExpression":
      case "TSAsExpression":
      case "TSSatisfiesExpression":
      case "TSNonNullExpression":
      case "TSTypeAssertion":
      case "TSInstantiationExpression":
        n = n.expression as Node;
        continue;
      default:
        return n;
    }
  }
}

/** The module ref for a specifier: `node:fs` → `module:fs`, `fs/promises` → `module:fs.promises`. */
export function moduleRef(specifier: string, folded: boolean): Value | null {
  if (specifier.length > MAX_KEY) return null;
  let name = specifier.startsWith("node:") ? specifier.slice(5) : specifier;
  if (name === "process") return ref("process", folded);
  const slash = name.indexOf("/");
  if (slash > 0 && !name.startsWith("@")) name = `${name.slice(0, slash)}.${name.slice(slash + 1)}`;
  return ref(`module:${name}`, folded);
}

/** The module name of a module ref path (`module:fs.promises.rm` → `fs`), or null. */
export function moduleOf(path: string): string | null {
  if (!path.startsWith("module:")) return null;
  const dot = path.indexOf(".");
  return dot < 0 ? path.slice(7) : path.slice(7, dot);
}

function normalizePath(path: string): string {
  if (path.startsWith("module:")) {
    const parts = path.split(".");
    // `import fs from "fs"` and `(await import("fs")).default` are the same module object.
    if (parts[1] === "default") parts.splice(1, 1);
    const joined = parts.join(".");
    if (joined === "module:buffer.Buffer") return "Buffer";
    if (joined.startsWith("module:timers.")) return joined.slice("module:timers.".length);
    return joined;
  }
  return path;
}

/** Property `key` of a value. */
export function member(obj: Value | null, key: string, folded: boolean): Value | null {
  if (!obj || key.length > MAX_KEY) return null;
  switch (obj.k) {
    case "ref": {
      if (obj.path === "")
        return GLOBAL_ALIASES.has(key)
          ? ref("", folded || obj.folded)
          : ref(key, folded || obj.folded);
      if (key === "constructor" && CONSTRUCTORS.has(obj.path))
        return ref("Function", folded || obj.folded);
      return ref(normalizePath(`${obj.path}.${key}`), folded || obj.folded);
    }
    case "str":
      if (key === "length") return { k: "num", v: obj.v.length };
      if (key === "constructor") return ref("String");
      if (/^\d+$/.test(key)) {
        const c = obj.v[Number(key)];
        return c === undefined ? null : str(c, true, obj.decoded);
      }
      return null;
    case "arr":
      if (key === "length") return { k: "num", v: obj.items.length };
      if (key === "constructor") return ref("Array");
      if (/^\d+$/.test(key)) {
        const item = obj.items[Number(key)];
        if (item === undefined) return null;
        return typeof item === "string" ? str(item, true) : { k: "num", v: item };
      }
      return null;
    case "num":
      return key === "constructor" ? ref("Number") : null;
  }
}

/** A call, with `.call`/`.apply`/`Reflect.apply` peeled off: what is really called, with which arguments. */
export interface ResolvedCall {
  readonly target: Value | null;
  readonly args: readonly Node[];
  /** How the call was made, for messages. */
  readonly via: "direct" | "call" | "apply" | "Reflect.apply" | "Reflect.construct";
}

/**
 * Evaluates expressions to {@link Value}s with constant folding and alias tracking. Results are
 * memoised per node, so shared subexpressions (`b = a + a; c = b + b; …`) cost linear time, and
 * depth and string sizes are capped so hostile input cannot make folding expensive.
 */
export class Evaluator {
  private readonly cache = new Map<Node, Value | null>();
  private readonly bindingCache = new Map<Binding, Value | null>();

  constructor(private readonly scopes: ScopeInfo) {}

  value(node: Node, depth = 0): Value | null {
    if (depth > MAX_DEPTH) return null;
    const cached = this.cache.get(node);
    if (cached !== undefined) return cached;
    this.cache.set(node, null); // cycle guard (`const a = b, b = a`)
    const result = this.compute(node, depth);
    this.cache.set(node, result);
    return result;
  }

  /** A constant string, or null. */
  string(node: Node): Extract<Value, { k: "str" }> | null {
    const v = this.value(node);
    if (v?.k === "str") return v;
    if (v?.k === "num") return { k: "str", v: String(v.v), folded: true, decoded: false };
    return null;
  }

  /** The static name of `a.b` / `a["b"]` / ``a[`b`]``, or null. */
  propertyName(memberNode: Node, depth = 0): { name: string; folded: boolean } | null {
    const prop = memberNode.property as Node;
    if (memberNode.computed !== true) {
      return prop.type === "Identifier" ? { name: prop.name as string, folded: false } : null;
    }
    const v = this.value(prop, depth + 1);
    if (v?.k === "str") return { name: v.v, folded: v.folded };
    if (v?.k === "num") return { name: String(v.v), folded: true };
    return null;
  }

  resolveCall(call: Node, depth = 0): ResolvedCall {
    const callee = unwrap(call.callee as Node);
    const args = call.arguments as Node[];
    if (callee.type === "MemberExpression") {
      const method = this.propertyName(callee, depth)?.name;
      if (method === "call" || method === "apply") {
        const target = this.value(callee.object as Node, depth + 1);
        // `Reflect.apply` is Reflect's own method, not Function.prototype.apply on Reflect.
        if (target?.k === "ref" && target.path !== "Reflect") {
          if (method === "call") return { target, args: args.slice(1), via: "call" };
          const list = args[1] ? unwrap(args[1]) : null;
          return {
            target,
            args: list?.type === "ArrayExpression" ? (list.elements as Node[]).filter(Boolean) : [],
            via: "apply",
          };
        }
      }
    }
    const target = this.value(callee, depth + 1);
    if (
      target?.k === "ref" &&
      (target.path === "Reflect.apply" || target.path === "Reflect.construct")
    ) {
      const fn = args[0] ? this.value(args[0], depth + 1) : null;
      const listArg = target.path === "Reflect.apply" ? args[2] : args[1];
      const list = listArg ? unwrap(listArg) : null;
      return {
        target: fn,
        args: list?.type === "ArrayExpression" ? (list.elements as Node[]).filter(Boolean) : [],
        via: target.path === "Reflect.apply" ? "Reflect.apply" : "Reflect.construct",
      };
    }
    return { target, args, via: "direct" };
  }

  private binding(b: Binding, depth: number): Value | null {
    const cached = this.bindingCache.get(b);
    if (cached !== undefined) return cached;
    this.bindingCache.set(b, null);
    const results = b.sources.slice(0, MAX_SOURCES).map((s) => this.source(s, depth + 1));
    let result: Value | null = null;
    // Any source that is a dangerous reference makes the binding one: we over-approximate aliases.
    const asRef = results.find((r) => r?.k === "ref");
    if (asRef) result = asRef;
    else if (!b.mutated && results.length > 0) {
      const first = results[0] ?? null;
      const same = results.every(
        (r) =>
          r &&
          first &&
          r.k === first.k &&
          (r.k === "str" || r.k === "num") &&
          "v" in first &&
          r.v === first.v,
      );
      if (results.length === 1 || same) result = first;
    }
    this.bindingCache.set(b, result);
    return result;
  }

  private source(s: Source, depth: number): Value | null {
    let v: Value | null =
      s.module !== undefined
        ? moduleRef(s.module, false)
        : s.node
          ? this.value(s.node, depth)
          : null;
    for (const key of s.path) v = member(v, key, false);
    return v;
  }

  private compute(node: Node, depth: number): Value | null {
    const d = depth + 1;
    switch (node.type) {
      case "Literal":
        if (typeof node.value === "string") return str(node.value, false);
        if (typeof node.value === "number") return { k: "num", v: node.value };
        return null;
      case "TemplateLiteral": {
        const quasis = node.quasis as Node[];
        const exprs = node.expressions as Node[];
        let out = "";
        let decoded = false;
        for (let i = 0; i < quasis.length; i++) {
          const cooked = (quasis[i]?.value as { cooked?: string | null } | undefined)?.cooked;
          if (typeof cooked !== "string") return null;
          out += cooked;
          const e = exprs[i];
          if (e) {
            const v = this.value(e, d);
            if (v?.k === "str") decoded ||= v.decoded;
            if (v?.k !== "str" && v?.k !== "num") return null;
            out += String(v.v);
          }
          if (out.length > MAX_STRING) return null;
        }
        return str(out, exprs.length > 0, decoded);
      }
      case "Identifier": {
        const name = node.name as string;
        const binding = this.scopes.scopeOf.get(node)?.lookup(name);
        if (binding) return this.binding(binding, d);
        if (name === "undefined" || name === "NaN" || name === "Infinity") return null;
        return GLOBAL_ALIASES.has(name) ? ref("") : ref(name);
      }
      case "ThisExpression":
        return this.scopes.scopeOf.get(node)?.thisIsGlobal() ? ref("") : null;
      case "MemberExpression": {
        const object = unwrap(node.object as Node);
        const key = this.propertyName(node, d);
        if (!key) return null;
        if (key.name === "constructor") {
          // `(function(){}).constructor`, `x.constructor.constructor`: the Function constructor.
          if (/^(Arrow)?Function(Expression)?$|^Class/.test(object.type))
            return ref("Function", key.folded);
          if (
            object.type === "MemberExpression" &&
            this.propertyName(object, d)?.name === "constructor"
          ) {
            return ref("Function", key.folded);
          }
        }
        return member(this.value(object, d), key.name, key.folded);
      }
      case "ChainExpression":
      case "ParenthesizedExpression":
      case "TSAsExpression":
      case "TSSatisfiesExpression":
      case "TSNonNullExpression":
      case "TSTypeAssertion":
      case "TSInstantiationExpression":
      case "AwaitExpression":
        return this.value((node.expression ?? node.argument) as Node, d);
      case "SequenceExpression": {
        const list = node.expressions as Node[];
        const last = list[list.length - 1];
        return last ? this.value(last, d) : null;
      }
      case "AssignmentExpression":
        return node.operator === "=" ? this.value(node.right as Node, d) : null;
      case "ConditionalExpression":
        return pick(this.value(node.consequent as Node, d), this.value(node.alternate as Node, d));
      case "LogicalExpression":
        return pick(this.value(node.left as Node, d), this.value(node.right as Node, d));
      case "BinaryExpression":
        return this.binary(node, d);
      case "UnaryExpression": {
        const v = this.value(node.argument as Node, d);
        if (v?.k !== "num") return null;
        if (node.operator === "-") return { k: "num", v: -v.v };
        if (node.operator === "+") return v;
        if (node.operator === "~") return { k: "num", v: ~v.v };
        return null;
      }
      case "ArrayExpression": {
        const elements = node.elements as (Node | null)[];
        if (elements.length > MAX_ARRAY) return null;
        const items: (string | number)[] = [];
        for (const el of elements) {
          if (!el) return null;
          if (el.type === "SpreadElement") {
            const inner = this.value(el.argument as Node, d);
            if (inner?.k === "arr") items.push(...inner.items);
            else if (inner?.k === "str") items.push(...inner.v);
            else return null;
            continue;
          }
          const v = this.value(el, d);
          if (v?.k === "str" || v?.k === "num") items.push(v.v);
          else return null;
        }
        return items.length > MAX_ARRAY ? null : { k: "arr", items };
      }
      case "ImportExpression": {
        const spec = this.value(node.source as Node, d);
        return spec?.k === "str" ? moduleRef(spec.v, spec.folded) : null;
      }
      case "CallExpression":
        return this.call(node, d);
      default:
        return null;
    }
  }

  /** `+` chains are flattened without recursion: `'a' + 'b' + …` can be thousands of terms long. */
  private binary(node: Node, depth: number): Value | null {
    const op = node.operator as string;
    if (op !== "+") {
      const a = this.value(node.left as Node, depth);
      const b = this.value(node.right as Node, depth);
      if (a?.k !== "num" || b?.k !== "num") return null;
      return numeric(op, a.v, b.v);
    }
    const terms: Node[] = [];
    let n: Node = node;
    while (n.type === "BinaryExpression" && n.operator === "+") {
      terms.push(n.right as Node);
      n = unwrap(n.left as Node);
    }
    terms.push(n);
    terms.reverse();
    let acc: Value | null = null;
    let decoded = false;
    for (const term of terms) {
      const v = this.value(term, depth);
      if (v?.k !== "str" && v?.k !== "num") return null;
      if (v.k === "str") decoded ||= v.decoded;
      if (!acc) acc = v;
      else if (acc.k === "num" && v.k === "num") acc = { k: "num", v: acc.v + v.v };
      else {
        acc = str(String((acc as { v: unknown }).v) + String(v.v), true, decoded);
        if (!acc) return null;
      }
    }
    return acc;
  }

  private call(node: Node, depth: number): Value | null {
    const callee = unwrap(node.callee as Node);
    const args = node.arguments as Node[];
    const argValues = (): (Value | null)[] =>
      args.map((a) => (a.type === "SpreadElement" ? null : this.value(a, depth)));

    if (callee.type === "MemberExpression") {
      const method = this.propertyName(callee, depth)?.name;
      if (method === "bind") {
        const fn = this.value(callee.object as Node, depth);
        if (fn?.k === "ref") return fn;
      }
      if (method !== undefined) {
        const obj = this.value(callee.object as Node, depth);
        if (obj?.k === "str" || obj?.k === "arr") {
          const folded = stringMethod(obj, method, argValues());
          if (folded) return folded;
        }
      }
    }

    const { target, args: realArgs } = this.resolveCall(node, depth);
    if (target?.k !== "ref") return null;
    const values = () => realArgs.map((a) => this.valueOrSpread(a, depth));
    const first = () => (realArgs[0] ? this.value(realArgs[0], depth) : null);
    const path = target.path;
    if (REQUIRE_LIKE.has(path)) {
      const spec = first();
      return spec?.k === "str" ? moduleRef(spec.v, spec.folded || target.folded) : null;
    }
    switch (path) {
      case "module:module.createRequire":
        return ref("require");
      case "String.fromCharCode":
      case "String.fromCodePoint": {
        const codes: number[] = [];
        for (const v of values()) {
          if (!v) return null;
          for (const item of v) {
            if (typeof item !== "number" || !Number.isInteger(item) || item < 0 || item > 0x10ffff)
              return null;
            codes.push(item);
          }
          if (codes.length > MAX_STRING) return null;
        }
        // In chunks: spreading tens of thousands of arguments can exceed the engine's argument limit.
        let text = "";
        for (let i = 0; i < codes.length; i += 4096) {
          const chunk = codes.slice(i, i + 4096);
          text +=
            path === "String.fromCharCode"
              ? String.fromCharCode(...chunk.map((c) => c & 0xffff))
              : String.fromCodePoint(...chunk);
        }
        return str(text, true);
      }
      case "atob": {
        const v = first();
        return v?.k === "str"
          ? str(Buffer.from(v.v, "base64").toString("latin1"), true, true)
          : null;
      }
      case "Buffer.from": {
        const v = first();
        const enc = realArgs[1] ? this.value(realArgs[1], depth) : null;
        if (v?.k !== "str") return null;
        if (!enc) return v;
        if (enc.k === "str" && ["base64", "base64url", "hex"].includes(enc.v)) {
          return str(Buffer.from(v.v, enc.v as BufferEncoding).toString("utf8"), true, true);
        }
        return null;
      }
      case "decodeURIComponent":
      case "decodeURI":
      case "unescape": {
        const v = first();
        if (v?.k !== "str") return null;
        try {
          const out =
            path === "unescape"
              ? unescape(v.v)
              : path === "decodeURI"
                ? decodeURI(v.v)
                : decodeURIComponent(v.v);
          return str(out, true, true);
        } catch {
          return null;
        }
      }
      case "String": {
        const v = first();
        return v?.k === "str" ? v : v?.k === "num" ? str(String(v.v), true) : null;
      }
      case "Reflect.get": {
        const obj = first();
        const key = realArgs[1] ? this.value(realArgs[1], depth) : null;
        if (key?.k !== "str" && key?.k !== "num") return null;
        return member(obj, String(key.v), key.k === "str" ? key.folded : true);
      }
      default:
        return null;
    }
  }

  /** Argument values, with `...[1, 2]` spread into its items. */
  private valueOrSpread(arg: Node, depth: number): (string | number)[] | null {
    if (arg.type === "SpreadElement") {
      const v = this.value(arg.argument as Node, depth);
      return v?.k === "arr" ? [...v.items] : null;
    }
    const v = this.value(arg, depth);
    return v?.k === "str" || v?.k === "num" ? [v.v] : null;
  }
}

function pick(a: Value | null, b: Value | null): Value | null {
  if (a?.k === "ref") return a;
  if (b?.k === "ref") return b;
  if (a?.k === "str" && b?.k === "str" && a.v === b.v) return a;
  return null;
}

function numeric(op: string, a: number, b: number): Value | null {
  const v = (() => {
    switch (op) {
      case "-":
        return a - b;
      case "*":
        return a * b;
      case "/":
        return a / b;
      case "%":
        return a % b;
      case "|":
        return a | b;
      case "&":
        return a & b;
      case "^":
        return a ^ b;
      case "<<":
        return a << b;
      case ">>":
        return a >> b;
      case ">>>":
        return a >>> b;
      default:
        return null;
    }
  })();
  return v === null ? null : { k: "num", v };
}

/** The string and array methods obfuscators use to assemble names, applied to constants. */
function stringMethod(obj: Value, method: string, args: readonly (Value | null)[]): Value | null {
  const a0 = args[0] ?? null;
  const a1 = args[1] ?? null;
  const s = (v: Value | null): string | undefined => (v?.k === "str" ? v.v : undefined);
  const n = (v: Value | null): number | undefined => (v?.k === "num" ? v.v : undefined);
  if (obj.k === "str") {
    const text = obj.v;
    const out = (v: string) => str(v, true, obj.decoded);
    switch (method) {
      case "split": {
        const sep = s(a0);
        if (sep === undefined) return null;
        const items = sep === "" ? [...text] : text.split(sep);
        return items.length > MAX_ARRAY ? null : { k: "arr", items };
      }
      case "toLowerCase":
      case "toUpperCase":
      case "trim":
      case "trimStart":
      case "trimEnd":
      case "toString":
      case "valueOf":
      case "normalize":
        return out(
          method === "normalize" ? text : (text[method as "trim"] as () => string).call(text),
        );
      case "slice":
      case "substring":
      case "substr": {
        const start = a0 ? n(a0) : 0;
        const end = a1 ? n(a1) : undefined;
        if (start === undefined || (a1 && end === undefined)) return null;
        return out((text[method] as (a: number, b?: number) => string).call(text, start, end));
      }
      case "charAt":
      case "at": {
        const i = n(a0);
        return i === undefined ? null : out(text.at(i) ?? "");
      }
      case "concat": {
        let acc = text;
        for (const a of args) {
          if (a?.k !== "str" && a?.k !== "num") return null;
          acc += String(a.v);
        }
        return out(acc);
      }
      case "replace":
      case "replaceAll": {
        const from = s(a0);
        const to = s(a1);
        if (from === undefined || to === undefined || to.includes("$")) return null;
        return out(method === "replace" ? text.replace(from, to) : text.split(from).join(to));
      }
      case "repeat": {
        const times = n(a0);
        if (times === undefined || times < 0 || times * text.length > MAX_STRING) return null;
        return out(text.repeat(times));
      }
      default:
        return null;
    }
  }
  if (obj.k === "arr") {
    switch (method) {
      case "join": {
        const sep = a0 ? s(a0) : ",";
        if (sep === undefined) return null;
        // Measure first: joining 10,000 long items would build a huge string before the cap applies.
        let size = sep.length * Math.max(0, obj.items.length - 1);
        for (const item of obj.items) size += String(item).length;
        if (size > MAX_STRING) return null;
        const text = obj.items.join(sep);
        return str(text, true);
      }
      case "reverse":
        return { k: "arr", items: [...obj.items].reverse() };
      case "concat": {
        const items = [...obj.items];
        for (const a of args) {
          if (a?.k === "arr") items.push(...a.items);
          else if (a?.k === "str" || a?.k === "num") items.push(a.v);
          else return null;
        }
        return items.length > MAX_ARRAY ? null : { k: "arr", items };
      }
      case "slice": {
        const start = a0 ? n(a0) : 0;
        const end = a1 ? n(a1) : undefined;
        if (start === undefined) return null;
        return { k: "arr", items: obj.items.slice(start, end) };
      }
      default:
        return null;
    }
  }
  return null;
}
