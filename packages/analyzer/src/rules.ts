import type { FindingSink } from "./findings.js";
import {
  BUILTINS,
  CALLS,
  DANGEROUS_NAMES,
  METADATA,
  MODULES,
  MODULE_CALLS,
  SECRET_NAME,
  SENSITIVE_PATH,
  fsCall,
  ipLiteral,
  lookup,
  type RuleSpec,
} from "./tables.js";
import {
  REQUIRE_LIKE,
  moduleOf,
  unwrap,
  type Evaluator,
  type ResolvedCall,
  type Value,
} from "./values.js";
import { walk, type Node, type WalkStats } from "./walk.js";

const LOOPS = new Set([
  "ForStatement",
  "ForInStatement",
  "ForOfStatement",
  "WhileStatement",
  "DoWhileStatement",
]);

/** Strings above these lengths are reported (payloads are often shipped as one huge literal). */
const LONG_STRING = 20_000;
const VERY_LONG_STRING = 200_000;

export interface RuleContext {
  readonly ev: Evaluator;
  readonly code: string;
  readonly sink: FindingSink;
  /** Analyse a constant string that will be run as code (eval, Function, vm) and report what it does. */
  readonly nested: (code: string, offset: number, via: string) => void;
}

const info = (
  category: RuleSpec["category"],
  rule: string,
  severity: RuleSpec["severity"],
  message: string,
): RuleSpec => ({ category, rule, severity, message });

/** Pass 2: walk the program and report every rule that matches. */
export function runRules(program: Node, ctx: RuleContext, maxNodes: number): WalkStats {
  let loopDepth = 0;
  return walk(
    program,
    {
      enter(node, parent, key) {
        if (LOOPS.has(node.type)) loopDepth++;
        switch (node.type) {
          case "CallExpression":
          case "NewExpression":
            checkCall(node, ctx, loopDepth > 0);
            checkFolded(node, ctx);
            break;
          case "ImportExpression": {
            const spec = ctx.ev.string(node.source as Node);
            if (spec) checkModule(spec.v, node, ctx);
            else
              ctx.sink.add(
                info(
                  "module-loading",
                  "dynamic-import",
                  "medium",
                  "import() with a computed specifier",
                ),
                node.start,
              );
            break;
          }
          case "ImportDeclaration":
          case "ExportAllDeclaration":
          case "ExportNamedDeclaration": {
            const source = node.source as Node | null | undefined;
            if (source && typeof source.value === "string") checkModule(source.value, node, ctx);
            break;
          }
          case "MemberExpression":
            checkMember(node, parent, key, ctx);
            break;
          case "AssignmentExpression":
            checkAssignment(node, ctx);
            break;
          case "BinaryExpression":
            if (!(parent?.type === "BinaryExpression" && parent.operator === "+" && key === "left"))
              checkFolded(node, ctx);
            break;
          case "TemplateLiteral":
            if ((node.expressions as Node[]).length > 0) checkFolded(node, ctx);
            break;
          case "Literal":
            if (typeof node.value === "string") checkString(node.value, node, ctx, true);
            break;
          case "TemplateElement": {
            const cooked = (node.value as { cooked?: string | null }).cooked;
            if (typeof cooked === "string") checkString(cooked, node, ctx, true);
            break;
          }
          case "Identifier":
            checkIdentifier(node, parent, key, ctx);
            break;
        }
      },
      leave(node) {
        if (LOOPS.has(node.type)) loopDepth--;
      },
    },
    maxNodes,
  );
}

function checkModule(specifier: string, node: Node, ctx: RuleContext): void {
  if (specifier.length > 200) return;
  const name = (specifier.startsWith("node:") ? specifier.slice(5) : specifier).split(
    "/",
  )[0] as string;
  const spec = lookup(MODULES, name);
  if (spec) ctx.sink.add(spec, node.start);
}

/** `atob(x)`, `Buffer.from(x, "base64")`, `decodeURIComponent(x)`, optionally followed by `.toString()`s. */
function isDecodeCall(node: Node, ev: Evaluator): boolean {
  let n = unwrap(node);
  // A loop, not recursion: `.toString().toString()…` can be thousands of calls long.
  for (let i = 0; i < 64 && n.type === "CallExpression"; i++) {
    const callee = unwrap(n.callee as Node);
    if (callee.type !== "MemberExpression" || ev.propertyName(callee)?.name !== "toString") break;
    n = unwrap(callee.object as Node);
  }
  if (n.type !== "CallExpression") return false;
  const callee = unwrap(n.callee as Node);
  const target = ev.value(callee);
  if (target?.k !== "ref") return false;
  if (["atob", "decodeURIComponent", "decodeURI", "unescape"].includes(target.path)) return true;
  if (target.path === "Buffer.from") {
    const enc = (n.arguments as Node[])[1];
    const v = enc ? ev.string(enc) : null;
    return v !== null && ["base64", "base64url", "hex"].includes(v.v);
  }
  return false;
}

/** Code-as-string sinks: report the sink, then look inside a constant argument. */
function checkCodeSink(
  node: Node,
  codeArg: Node | undefined,
  spec: RuleSpec,
  ctx: RuleContext,
  via: string,
): void {
  const value = codeArg ? ctx.ev.value(codeArg) : null;
  const decoded =
    (value?.k === "str" && value.decoded) ||
    (codeArg !== undefined && isDecodeCall(codeArg, ctx.ev));
  if (decoded) {
    ctx.sink.add(
      info(
        "encoding",
        "decoded-eval",
        "critical",
        `runs decoded (base64/hex/URI) text as code via ${via}`,
      ),
      node.start,
    );
  }
  if (value?.k === "str") {
    // A constant string is less alarming than arbitrary input, but what it does still counts.
    ctx.sink.add({ ...spec, severity: "high" }, node.start, `${spec.message} (constant string)`);
    ctx.nested(value.v, node.start, via);
  } else {
    ctx.sink.add(spec, node.start);
  }
}

function checkCall(node: Node, ctx: RuleContext, inLoop: boolean): void {
  const { ev, sink } = ctx;
  const call: ResolvedCall = ev.resolveCall(node);
  const target = call.target;
  if (target?.k === "ref") {
    const path = target.path;
    const via = call.via === "direct" ? path || "globalThis" : `${path} (${call.via})`;
    if (path === "eval") {
      checkCodeSink(node, call.args[0], CALLS.eval as RuleSpec, ctx, via);
    } else if (path === "Function") {
      checkCodeSink(node, call.args[call.args.length - 1], CALLS.Function as RuleSpec, ctx, via);
    } else if (path === "setTimeout" || path === "setInterval" || path === "setImmediate") {
      checkTimer(node, path, call, ctx, inLoop);
    } else if (REQUIRE_LIKE.has(path)) {
      const spec = call.args[0] ? ev.string(call.args[0]) : null;
      if (spec) checkModule(spec.v, node, ctx);
      else
        sink.add(
          info(
            "module-loading",
            "dynamic-require",
            "medium",
            "require() with a computed module name",
          ),
          node.start,
        );
    } else if (path === "Object.setPrototypeOf" || path === "Reflect.setPrototypeOf") {
      if (isBuiltinObject(call.args[0] ? ev.value(call.args[0]) : null)) {
        sink.add(
          info("prototype-pollution", "builtin-setprototypeof", "high", `${path} on a builtin`),
          node.start,
        );
      }
    } else if (
      path === "Object.defineProperty" ||
      path === "Object.defineProperties" ||
      path === "Reflect.defineProperty" ||
      path === "Object.assign"
    ) {
      if (isBuiltinObject(call.args[0] ? ev.value(call.args[0]) : null)) {
        sink.add(
          info(
            "prototype-pollution",
            "builtin-prototype-write",
            "high",
            `${path} changes a builtin`,
          ),
          node.start,
        );
      }
    } else {
      const mod = moduleOf(path);
      const exact = lookup(CALLS, path);
      const fs = fsCall(path);
      const modCall =
        mod !== null && path !== `module:${mod}` && !/\.(then|catch|finally)$/.test(path)
          ? lookup(MODULE_CALLS, mod)
          : undefined;
      const spec = exact ?? fs ?? modCall;
      if (spec) {
        const what = spec === modCall ? `${spec.message} (${path.slice(7)})` : spec.message;
        sink.add(spec, node.start, what);
        if (spec === modCall && mod === "vm") {
          const arg = call.args[0] ? ev.value(call.args[0]) : null;
          if (arg?.k === "str") ctx.nested(arg.v, node.start, path.slice(7));
        }
      }
      if (
        path === "fetch" ||
        path === "module:http.request" ||
        path === "module:https.request" ||
        path === "module:http.get" ||
        path === "module:https.get"
      ) {
        const url = call.args[0] ? ev.string(call.args[0]) : null;
        if (url?.folded && url.v.length <= 4096) checkString(url.v, node, ctx, false);
      }
    }
  }
  // A module loaded by a call (`require(...)`, `createRequire(...)(...)`) is reported where it loads.
  const result = ev.value(node);
  if (
    result?.k === "ref" &&
    result.path.startsWith("module:") &&
    !result.path.includes(".") &&
    !REQUIRE_LIKE.has(target?.k === "ref" ? target.path : "")
  ) {
    checkModule(result.path.slice(7), node, ctx);
  }
}

function checkTimer(
  node: Node,
  path: string,
  call: ResolvedCall,
  ctx: RuleContext,
  inLoop: boolean,
): void {
  const { ev, sink } = ctx;
  const handler = call.args[0];
  const handlerValue = handler ? ev.value(handler) : null;
  if (handlerValue?.k === "str" || (handler && isDecodeCall(handler, ev))) {
    checkCodeSink(
      node,
      handler,
      info("code-injection", "string-timer", "high", `${path} with a string of code`),
      ctx,
      path,
    );
  }
  if (path === "setInterval") {
    const delay = call.args[1] ? ev.value(call.args[1]) : null;
    if (!call.args[1] || (delay?.k === "num" && delay.v <= 0)) {
      sink.add(
        info("timers", "zero-interval", "medium", "setInterval with no delay (busy loop)"),
        node.start,
      );
    }
  }
  if (inLoop)
    sink.add(
      info("timers", "timer-in-loop", "medium", `${path} inside a loop (timer flood)`),
      node.start,
    );
}

function isBuiltinObject(v: Value | null): boolean {
  if (v?.k !== "ref") return false;
  if (BUILTINS.has(v.path)) return true;
  const m = /^([A-Za-z]*)\.prototype$/.exec(v.path);
  return m !== null && BUILTINS.has(m[1] as string);
}

/** Strings built from pieces that spell a dangerous name: `'ev' + 'al'`, `fromCharCode(…)`, `.join('')`. */
function checkFolded(node: Node, ctx: RuleContext): void {
  const v = ctx.ev.value(node);
  if (v?.k === "str" && v.folded && v.v.length <= 64 && DANGEROUS_NAMES.has(v.v)) {
    ctx.sink.add(
      info("encoding", "obfuscated-name", "medium", `builds the name "${v.v}" at run time`),
      node.start,
    );
  }
}

function checkMember(node: Node, parent: Node | null, key: string, ctx: RuleContext): void {
  const { ev, sink } = ctx;
  const isWrite = parent?.type === "AssignmentExpression" && key === "left";
  const prop = ev.propertyName(node);
  if (prop?.name === "__proto__" && !isWrite) {
    sink.add(
      info("prototype-pollution", "proto-access", "medium", "accesses __proto__"),
      node.start,
    );
  }
  const v = ev.value(node);
  if (v?.k !== "ref") return;
  const path = v.path;
  const isObjectOfParent = parent?.type === "MemberExpression" && key === "object";
  const isCallee =
    (parent?.type === "CallExpression" || parent?.type === "NewExpression") && key === "callee";
  switch (path) {
    case "process.env":
      if (isObjectOfParent && ev.propertyName(parent as Node)) return; // reported as the named read
      sink.add(
        info("environment", "env-all", "medium", "reads the whole environment (process.env)"),
        node.start,
      );
      return;
    case "process.binding":
    case "process._linkedBinding":
    case "process.dlopen":
      if (!isCallee) sink.add(CALLS[path] as RuleSpec, node.start, `references ${path}`);
      return;
    case "module.constructor":
      sink.add(
        info(
          "module-loading",
          "module-constructor",
          "high",
          "reaches the module loader (module.constructor)",
        ),
        node.start,
      );
      return;
    case "process.mainModule":
      sink.add(
        info(
          "module-loading",
          "main-module",
          "high",
          "reaches the main module (process.mainModule)",
        ),
        node.start,
      );
      return;
    case "module.require":
      sink.add(
        info("module-loading", "module-require", "medium", "loads modules through module.require"),
        node.start,
      );
      return;
    case "require.cache":
    case "module.constructor._cache":
      sink.add(
        info("module-loading", "require-cache", "medium", "touches the module cache"),
        node.start,
      );
      return;
  }
  const env = /^process\.env\.(.+)$/.exec(path);
  if (env && !(env[1] as string).includes(".")) {
    const name = env[1] as string;
    if (isWrite)
      sink.add(
        info("environment", "env-write", "low", `sets environment variable ${name}`),
        node.start,
      );
    else if (SECRET_NAME.test(name)) {
      sink.add(
        info("environment", "env-secret", "high", `reads secret-like environment variable ${name}`),
        node.start,
      );
    } else
      sink.add(
        info("environment", "env-read", "low", `reads environment variable ${name}`),
        node.start,
      );
  }
}

function checkAssignment(node: Node, ctx: RuleContext): void {
  const { ev, sink } = ctx;
  const left = unwrap(node.left as Node);
  if (left.type !== "MemberExpression") return;
  // Look along the chain `a.b.c.d = …` for __proto__ / constructor.prototype / a builtin's prototype.
  let sawProto = false;
  let sawPrototypeAfterConstructor = false;
  let prev: string | undefined;
  const names: string[] = [];
  for (let n: Node = left; n.type === "MemberExpression"; n = unwrap(n.object as Node)) {
    names.unshift(ev.propertyName(n)?.name ?? "?");
    if (names.length > 64) break;
  }
  for (const name of names) {
    if (name === "__proto__") sawProto = true;
    if (name === "prototype" && prev === "constructor") sawPrototypeAfterConstructor = true;
    prev = name;
  }
  if (sawProto) {
    sink.add(
      info("prototype-pollution", "proto-write", "high", "writes through __proto__"),
      node.start,
    );
    return;
  }
  if (sawPrototypeAfterConstructor) {
    sink.add(
      info(
        "prototype-pollution",
        "constructor-prototype-write",
        "high",
        "writes to constructor.prototype",
      ),
      node.start,
    );
    return;
  }
  const target = ev.value(left.object as Node);
  if (isBuiltinObject(target) && target?.k === "ref" && target.path !== "") {
    sink.add(
      info(
        "prototype-pollution",
        "builtin-prototype-write",
        "high",
        `modifies builtin ${target.path}`,
      ),
      node.start,
    );
  }
}

/** Checks on any constant string: sensitive paths, addresses, escapes, size. */
export function checkString(
  text: string,
  node: { readonly start: number; readonly end: number },
  ctx: { readonly sink: FindingSink; readonly code: string },
  literal: boolean,
): void {
  const { sink, code } = ctx;
  if (SENSITIVE_PATH.test(text)) {
    sink.add(
      info("filesystem", "sensitive-path", "high", "names a sensitive host path"),
      node.start,
    );
  }
  if (METADATA.test(text)) {
    sink.add(
      info(
        "network",
        "metadata-address",
        "critical",
        "names a cloud metadata address (instance credentials)",
      ),
      node.start,
    );
  } else {
    const ip = ipLiteral(text);
    if (ip) {
      sink.add(
        ip.private
          ? info("network", "private-ip", "medium", `names a private or loopback address ${ip.ip}`)
          : info("network", "ip-literal", "low", `names a raw IP address ${ip.ip}`),
        node.start,
      );
    }
  }
  if (!literal) return;
  if (text.length > VERY_LONG_STRING) {
    sink.add(
      info("encoding", "long-string", "medium", `string literal of ${text.length} characters`),
      node.start,
    );
  } else if (text.length > LONG_STRING) {
    sink.add(
      info("encoding", "long-string", "low", `string literal of ${text.length} characters`),
      node.start,
    );
  }
  if (text.length <= 64 && DANGEROUS_NAMES.has(text)) {
    const raw = code.slice(node.start, node.end);
    if (/\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F{]|[0-7])/.test(raw)) {
      sink.add(
        info("encoding", "escaped-name", "medium", `spells "${text}" with escape sequences`),
        node.start,
      );
    }
  }
}

function checkIdentifier(node: Node, parent: Node | null, key: string, ctx: RuleContext): void {
  const name = node.name as string;
  if (node.end - node.start !== name.length && DANGEROUS_NAMES.has(name)) {
    ctx.sink.add(
      info("encoding", "escaped-name", "medium", `spells identifier ${name} with escape sequences`),
      node.start,
    );
  }
  // `[code].map(eval)`: a code sink handed to something else to call.
  if (
    (parent?.type === "CallExpression" || parent?.type === "NewExpression") &&
    key === "arguments"
  ) {
    const via = ctx.ev.resolveCall(parent).via;
    if (via === "Reflect.apply" || via === "Reflect.construct") return;
    const v = ctx.ev.value(node);
    if (v?.k === "ref" && (v.path === "eval" || v.path === "Function")) {
      ctx.sink.add(
        info("code-injection", "code-sink-reference", "high", `passes ${v.path} as a value`),
        node.start,
      );
    }
  }
}
