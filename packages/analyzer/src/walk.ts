/**
 * An iterative AST walker. acorn-walk recurses once per nesting level, and submitted code is
 * adversarial: a few thousand nested brackets would overflow the stack. This walker keeps its own
 * stack, so its depth is bounded only by memory, and it stops after a node budget.
 */

/** The ESTree node shape as far as the analyzer needs it (acorn + TypeScript plugin nodes). */
export interface Node {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly loc?: { readonly start: { readonly line: number; readonly column: number } } | null;
  readonly [key: string]: unknown;
}

/** Keys that never hold code: positions, raw text, and TypeScript type-only positions. */
const SKIP_KEYS = new Set([
  "type",
  "start",
  "end",
  "loc",
  "range",
  "raw",
  "regex",
  "bigint",
  "typeAnnotation",
  "returnType",
  "typeParameters",
  "typeArguments",
  "superTypeParameters",
  "superTypeArguments",
  "implements",
]);

/** TypeScript declarations that contain only types. */
const TYPE_ONLY = new Set([
  "TSInterfaceDeclaration",
  "TSTypeAliasDeclaration",
  "TSDeclareFunction",
]);

/**
 * Child keys that hold a name, not a reference, unless `computed` is set (`a.b`, `{ b: 1 }`,
 * `class { b() {} }`, labels, `import.meta`, export aliases).
 */
function isNameKey(node: Node, key: string): boolean {
  switch (node.type) {
    case "MemberExpression":
      return key === "property" && node.computed !== true;
    case "Property":
    case "MethodDefinition":
    case "PropertyDefinition":
    case "AccessorProperty":
      return key === "key" && node.computed !== true;
    case "LabeledStatement":
    case "BreakStatement":
    case "ContinueStatement":
      return key === "label";
    case "MetaProperty":
      return true;
    case "ExportSpecifier":
      return key === "exported";
    case "ImportSpecifier":
      return key === "imported";
    case "ExportAllDeclaration":
      return key === "exported";
    default:
      return false;
  }
}

export function isNode(value: unknown): value is Node {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { type?: unknown }).type === "string" &&
    typeof (value as { start?: unknown }).start === "number"
  );
}

export interface WalkVisitor {
  enter(node: Node, parent: Node | null, key: string): void;
  leave?(node: Node, parent: Node | null): void;
}

/** Result of a walk: how many nodes were visited and whether the budget stopped it early. */
export interface WalkStats {
  readonly visited: number;
  readonly truncated: boolean;
}

/**
 * Depth-first, pre-order walk that calls `enter` before children and `leave` after them.
 * `key` is the parent's property that holds the node (used to tell callee from argument).
 */
export function walk(root: Node, visitor: WalkVisitor, maxNodes: number): WalkStats {
  // Parallel arrays instead of one frame object per node: a 1 MB input has ~10⁶ nodes and the
  // garbage from per-node objects dominated the run time.
  const nodes: Node[] = [root];
  const parents: (Node | null)[] = [null];
  const keys: string[] = [""];
  const leaving: boolean[] = [false];
  const leave = visitor.leave;
  let visited = 0;
  while (nodes.length > 0) {
    const node = nodes.pop() as Node;
    const parent = parents.pop() as Node | null;
    const key = keys.pop() as string;
    if (leaving.pop()) {
      leave?.(node, parent);
      continue;
    }
    if (++visited > maxNodes) return { visited: visited - 1, truncated: true };
    visitor.enter(node, parent, key);
    nodes.push(node);
    parents.push(parent);
    keys.push(key);
    leaving.push(true);
    if (TYPE_ONLY.has(node.type)) continue;
    // Children are pushed in reverse so they pop in source order.
    const mark = nodes.length;
    for (const k in node) {
      if (SKIP_KEYS.has(k) || isNameKey(node, k)) continue;
      const value = node[k];
      if (Array.isArray(value)) {
        for (const item of value) {
          if (isNode(item)) {
            nodes.push(item);
            parents.push(node);
            keys.push(k);
            leaving.push(false);
          }
        }
      } else if (isNode(value)) {
        nodes.push(value);
        parents.push(node);
        keys.push(k);
        leaving.push(false);
      }
    }
    reverseFrom(nodes, mark);
    reverseFrom(parents, mark);
    reverseFrom(keys, mark);
  }
  return { visited, truncated: false };
}

function reverseFrom<T>(list: T[], from: number): void {
  for (let i = from, j = list.length - 1; i < j; i++, j--) {
    const t = list[i] as T;
    list[i] = list[j] as T;
    list[j] = t;
  }
}
