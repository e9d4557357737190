import { Parser, type Options } from "acorn";
import { tsPlugin } from "@sveltejs/acorn-typescript";
import type { Node } from "./walk.js";

export interface ParseFailure {
  readonly message: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Offset where parsing stopped. */
  readonly pos: number;
  /** The parser ran out of stack: the code is nested too deeply to parse at all. */
  readonly tooDeep: boolean;
}

export type ParseOutcome = { readonly ast: Node } | { readonly error: ParseFailure };

/**
 * acorn keeps each scope's declared names in arrays and checks redeclaration with `indexOf`, which
 * is quadratic: 80,000 top-level `let`s (1 MB) took 18 s to parse. This list answers `indexOf` and
 * `includes` from a name → index map, checked against the array, so truncation by a parser
 * backtrack (which sets `length`) cannot leave a stale answer.
 */
class NameList extends Array<string> {
  private readonly positions = new Map<string, number>();

  override push(...names: string[]): number {
    for (const name of names) {
      this.positions.set(name, this.length);
      super.push(name);
    }
    return this.length;
  }

  override indexOf(name: string): number {
    const i = this.positions.get(name);
    if (i === undefined) return -1; // every element went through push()
    if (i < this.length && this[i] === name) return i;
    const j = Array.prototype.indexOf.call(this, name);
    if (j < 0) this.positions.delete(name);
    else this.positions.set(name, j);
    return j;
  }

  override includes(name: string): boolean {
    return this.indexOf(name) > -1;
  }
}

const SCOPE_LISTS = [
  "var",
  "lexical",
  "functions",
  "types",
  "enums",
  "constEnums",
  "classes",
  "exportOnlyBindings",
];

type ScopedParser = { scopeStack: Record<string, unknown>[]; enterScope(flags: number): void };

function linearScopes(Base: typeof Parser): typeof Parser {
  const Extended = class extends (Base as unknown as new (...args: unknown[]) => ScopedParser) {
    override enterScope(flags: number): void {
      super.enterScope(flags);
      const scope = this.scopeStack[this.scopeStack.length - 1];
      if (!scope) return;
      for (const key of SCOPE_LISTS) {
        const list = scope[key];
        if (Array.isArray(list) && !(list instanceof NameList)) {
          const fast = new NameList();
          fast.push(...(list as string[]));
          scope[key] = fast;
        }
      }
    }
  };
  return Extended as unknown as typeof Parser;
}

let jsParser: typeof Parser | undefined;
let tsParser: typeof Parser | undefined;

function parser(language: "javascript" | "typescript"): typeof Parser {
  if (language === "javascript") {
    jsParser ??= Parser.extend(linearScopes);
    return jsParser;
  }
  tsParser ??= Parser.extend(tsPlugin() as never, linearScopes);
  return tsParser;
}

function attempt(
  code: string,
  language: "javascript" | "typescript",
  sourceType: "script" | "module",
): ParseOutcome {
  const options: Options = {
    ecmaVersion: "latest",
    sourceType,
    allowHashBang: true,
    // Submitted snippets are often function bodies (`return x`) or use top-level await.
    allowReturnOutsideFunction: true,
    allowAwaitOutsideFunction: sourceType === "script",
  };
  try {
    return { ast: parser(language).parse(code, options) as unknown as Node };
  } catch (err) {
    const e = err as {
      message?: unknown;
      pos?: unknown;
      loc?: { line?: unknown; column?: unknown };
    };
    const message =
      typeof e.message === "string" ? e.message.replace(/ \(\d+:\d+\)$/, "") : String(err);
    const tooDeep = err instanceof RangeError || /stack space|call stack/i.test(message);
    const line = typeof e.loc?.line === "number" ? e.loc.line : 1;
    const column = typeof e.loc?.column === "number" ? e.loc.column + 1 : 1;
    return {
      error: {
        message: tooDeep ? "nested too deeply to parse" : message,
        line,
        column,
        pos: typeof e.pos === "number" ? e.pos : 0,
        tooDeep,
      },
    };
  }
}

/**
 * Parse with acorn. `auto` tries a module first (import/export, top-level await), then a script
 * (`with`, legacy octals); when both fail it keeps the error that got further into the input.
 */
export function parseCode(
  code: string,
  language: "javascript" | "typescript",
  sourceType: "script" | "module" | "auto",
): ParseOutcome {
  if (sourceType !== "auto") return attempt(code, language, sourceType);
  const asModule = attempt(code, language, "module");
  if ("ast" in asModule) return asModule;
  const asScript = attempt(code, language, "script");
  if ("ast" in asScript) return asScript;
  return asScript.error.pos > asModule.error.pos ? asScript : asModule;
}
