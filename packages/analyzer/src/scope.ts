import { walk, type Node } from "./walk.js";

/**
 * Data-flow-lite: where a binding's value may come from. `node` is an expression (null when
 * unknown: a parameter, a loop variable), `path` the destructuring keys applied to it, and
 * `module` set for `import` bindings (the value is that module, or one of its exports).
 */
export interface Source {
  readonly node: Node | null;
  readonly path: readonly string[];
  readonly module?: string;
}

export interface Binding {
  readonly name: string;
  readonly sources: Source[];
  /** Reassigned with `+=`, `++` or a loop: its string value is not a constant. */
  mutated: boolean;
}

export class Scope {
  readonly bindings = new Map<string, Binding>();
  constructor(
    readonly parent: Scope | null,
    /** `var` and function parameters land here. */
    readonly isFunction: boolean,
    /** A non-arrow function, method or class body: `this` is not the global object below it. */
    readonly bindsThis: boolean,
  ) {}

  declare(name: string, source: Source): void {
    let binding = this.bindings.get(name);
    if (!binding) {
      binding = { name, sources: [], mutated: false };
      this.bindings.set(name, binding);
    }
    binding.sources.push(source);
  }

  lookup(name: string): Binding | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      const b = s.bindings.get(name);
      if (b) return b;
    }
    return undefined;
  }

  /** True when `this` here is the global object (top level, or arrows at top level). */
  thisIsGlobal(): boolean {
    for (let s: Scope | null = this; s; s = s.parent) if (s.bindsThis) return false;
    return true;
  }
}

/** For every Identifier and ThisExpression: the scope it appears in. */
export interface ScopeInfo {
  readonly program: Scope;
  readonly scopeOf: Map<Node, Scope>;
}

const FUNCTIONS = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);
const LOOPS_WITH_HEAD = new Set(["ForStatement", "ForInStatement", "ForOfStatement"]);

interface Pending {
  readonly scope: Scope;
  readonly name: string;
  /** null: the binding is mutated in a way we do not follow. */
  readonly source: Source | null;
}

/**
 * Pass 1: build scopes, declare bindings (with hoisting of `var` and functions to the function
 * scope), and attach assignments to the bindings they change. Returns the scope of every
 * identifier so later passes resolve names lazily, after all declarations are known.
 */
export function buildScopes(program: Node, maxNodes: number): ScopeInfo {
  const root = new Scope(null, true, false);
  const scopeOf = new Map<Node, Scope>();
  const pushed: { node: Node; scope: Scope }[] = [];
  const pending: Pending[] = [];
  let current = root;

  const enterScope = (node: Node, scope: Scope) => {
    pushed.push({ node, scope });
    current = scope;
  };
  const functionScope = (): Scope => {
    for (let s: Scope | null = current; s; s = s.parent) if (s.isFunction) return s;
    return root;
  };

  walk(
    program,
    {
      enter(node, parent, key) {
        switch (node.type) {
          case "Identifier":
          case "ThisExpression":
            scopeOf.set(node, current);
            return;
          case "FunctionDeclaration":
          case "FunctionExpression":
          case "ArrowFunctionExpression": {
            const id = node.id as Node | null | undefined;
            if (node.type === "FunctionDeclaration" && id?.type === "Identifier") {
              current.declare(id.name as string, { node: null, path: [] });
            }
            const scope = new Scope(current, true, node.type !== "ArrowFunctionExpression");
            if (node.type === "FunctionExpression" && id?.type === "Identifier") {
              scope.declare(id.name as string, { node: null, path: [] });
            }
            // An immediately invoked function: parameter i holds argument i (`(function (r) { … })(require)`).
            const args =
              parent?.type === "CallExpression" && key === "callee"
                ? (parent.arguments as Node[])
                : parent?.type === "CallExpression" && key === "arguments"
                  ? importThen(parent)
                  : [];
            (node.params as Node[]).forEach((param, i) => {
              const arg = args[i];
              declarePattern(scope, param, {
                node: arg && arg.type !== "SpreadElement" ? arg : null,
                path: [],
              });
            });
            enterScope(node, scope);
            return;
          }
          case "BlockStatement":
            if (parent && FUNCTIONS.has(parent.type) && key === "body") return;
            enterScope(node, new Scope(current, false, false));
            return;
          case "StaticBlock":
          case "ClassBody":
            enterScope(node, new Scope(current, node.type === "StaticBlock", true));
            return;
          case "SwitchStatement":
            enterScope(node, new Scope(current, false, false));
            return;
          case "CatchClause": {
            const scope = new Scope(current, false, false);
            if (node.param) declarePattern(scope, node.param as Node, { node: null, path: [] });
            enterScope(node, scope);
            return;
          }
          case "ClassDeclaration": {
            const id = node.id as Node | null;
            if (id?.type === "Identifier")
              current.declare(id.name as string, { node: null, path: [] });
            return;
          }
          case "VariableDeclaration": {
            const target = node.kind === "var" ? functionScope() : current;
            const inLoopHead =
              parent !== null && LOOPS_WITH_HEAD.has(parent.type) && key === "left";
            for (const decl of node.declarations as Node[]) {
              const init = inLoopHead ? null : ((decl.init as Node | null) ?? null);
              declarePattern(target, decl.id as Node, { node: init, path: [] });
            }
            return;
          }
          case "ImportDeclaration": {
            const module = String((node.source as Node).value);
            for (const spec of node.specifiers as Node[]) {
              const local = (spec.local as Node).name as string;
              if (spec.type === "ImportSpecifier") {
                const imported = spec.imported as Node;
                const name =
                  imported.type === "Identifier"
                    ? (imported.name as string)
                    : String(imported.value);
                root.declare(local, { node: null, path: [name], module });
              } else {
                root.declare(local, { node: null, path: [], module });
              }
            }
            return;
          }
          case "AssignmentExpression":
            for (const [name, source] of patternTargets(node.left as Node, {
              node: node.right as Node,
              path: [],
            })) {
              pending.push({ scope: current, name, source: node.operator === "=" ? source : null });
            }
            return;
          case "UpdateExpression":
            if ((node.argument as Node).type === "Identifier") {
              pending.push({
                scope: current,
                name: (node.argument as Node).name as string,
                source: null,
              });
            }
            return;
          default:
            if (LOOPS_WITH_HEAD.has(node.type)) {
              enterScope(node, new Scope(current, false, false));
              const left = node.left as Node | undefined;
              if (left && left.type !== "VariableDeclaration") {
                for (const [name] of patternTargets(left, { node: null, path: [] })) {
                  pending.push({ scope: current, name, source: null });
                }
              }
            }
        }
      },
      leave(node) {
        const top = pushed[pushed.length - 1];
        if (top && top.node === node) {
          pushed.pop();
          current = top.scope.parent ?? root;
        }
      },
    },
    maxNodes,
  );

  for (const p of pending) {
    const binding = p.scope.lookup(p.name);
    if (!binding) {
      // An implicit global (`g = globalThis`): remember it, so `g.eval` resolves later.
      if (p.source) root.declare(p.name, p.source);
      continue;
    }
    if (p.source) binding.sources.push(p.source);
    else binding.mutated = true;
  }
  return { program: root, scopeOf };
}

/** `import("m").then((mod) => …)`: the callback's first parameter is the module. */
function importThen(call: Node): Node[] {
  const callee = call.callee as Node;
  if (callee.type !== "MemberExpression" || callee.computed === true) return [];
  if ((callee.property as Node).name !== "then") return [];
  const object = callee.object as Node;
  return object.type === "ImportExpression" ? [object] : [];
}

function declarePattern(scope: Scope, pattern: Node, source: Source): void {
  for (const [name, s] of patternTargets(pattern, source)) scope.declare(name, s);
}

/** The names a binding pattern introduces, each with where its value comes from. Iterative. */
function patternTargets(pattern: Node, source: Source): [string, Source][] {
  const out: [string, Source][] = [];
  const work: [Node, Source][] = [[pattern, source]];
  while (work.length > 0) {
    const [p, s] = work.pop() as [Node, Source];
    switch (p.type) {
      case "Identifier":
        out.push([p.name as string, s]);
        break;
      case "ObjectPattern":
        for (const prop of p.properties as Node[]) {
          if (prop.type === "RestElement") {
            // `{ ...rest } = obj` keeps obj's other properties: treat it as obj.
            work.push([prop.argument as Node, s]);
            continue;
          }
          const key = prop.key as Node;
          const name =
            prop.computed !== true && key.type === "Identifier"
              ? (key.name as string)
              : key.type === "Literal"
                ? String(key.value)
                : null;
          work.push([
            prop.value as Node,
            name === null ? { node: null, path: [] } : { ...s, path: [...s.path, name] },
          ]);
        }
        break;
      case "ArrayPattern":
        (p.elements as (Node | null)[]).forEach((el, i) => {
          if (!el) return;
          if (el.type === "RestElement") work.push([el.argument as Node, { node: null, path: [] }]);
          else work.push([el, { ...s, path: [...s.path, String(i)] }]);
        });
        break;
      case "AssignmentPattern":
        work.push([p.left as Node, s]);
        work.push([p.left as Node, { node: p.right as Node, path: [] }]);
        break;
      case "RestElement":
        work.push([p.argument as Node, { node: null, path: [] }]);
        break;
      case "TSParameterProperty":
        work.push([p.parameter as Node, s]);
        break;
      default:
        // Member targets (`a.b = …`) and TS wrappers: not a local binding.
        break;
    }
  }
  return out;
}
