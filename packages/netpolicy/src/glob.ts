/**
 * The glob dialect of URL rules, compiled to a Thompson NFA and matched in O(text × pattern).
 *
 * `*` matches within one host label (no `.`) or one path segment (no `/`); `**` matches across
 * them; a path's `/**` at the end or before `/` also matches zero segments (`/api/**` matches
 * `/api`). `{a,b}` is an alternation; `[a-z]` / `[!a-z]` a character class (paths only: in a host,
 * `[` starts an IPv6 literal). There is no `?` wildcard: in a URL it reads as a query string.
 *
 * Not a RegExp on purpose: the text is guest-controlled, and a backtracking regex for a rule
 * like `/**\/a/**\/b` takes seconds on a 1 KB path.
 */

/** Thrown by the compiler; callers turn it into a `NetPolicyRuleError` that names the rule. */
export class GlobSyntaxError extends Error {}

export type GlobKind = "host" | "path";

export interface CompiledGlob {
  test(text: string): boolean;
  /** True when the pattern has no wildcard, alternation or class: it names one thing. */
  readonly literal: boolean;
}

type Node =
  | { readonly t: "char"; readonly m: (code: number) => boolean; readonly lit?: number }
  | { readonly t: "star"; readonly m: (code: number) => boolean }
  | { readonly t: "optional-segments" }
  | { readonly t: "alt"; readonly options: Node[][] };

/**
 * Compile `pattern`. `canonical` rewrites each literal run into the same canonical form the
 * matched values use (lowercase hosts; percent-decoded paths), so both sides compare alike.
 */
export function compileGlob(
  pattern: string,
  kind: GlobKind,
  canonical: (literalRun: string) => string,
): CompiledGlob {
  const sep = kind === "host" ? 0x2e : 0x2f;
  const notSep = (code: number): boolean => code !== sep;
  const any = (): boolean => true;
  // A stack of alternations being parsed: each frame holds its options, the last one open.
  const stack: Node[][][] = [[[]]];
  let run = "";
  let literal = true;
  const current = (): Node[] => {
    const frame = stack[stack.length - 1] as Node[][];
    return frame[frame.length - 1] as Node[];
  };
  const flush = (): void => {
    for (const char of canonical(run)) {
      const code = char.charCodeAt(0);
      current().push({ t: "char", m: (c) => c === code, lit: code });
    }
    run = "";
  };

  for (let i = 0; i < pattern.length;) {
    const c = pattern[i] as string;
    if (c === "*") {
      flush();
      literal = false;
      const seq = current();
      if (pattern[i + 1] === "*") {
        i += 2;
        while (pattern[i] === "*") i++; // "***" means "**"
        const next = pattern[i];
        const last = seq[seq.length - 1];
        const afterSlash = last?.t === "char" && last.lit === 0x2f;
        if (kind === "path" && afterSlash && (next === undefined || next === "/")) {
          seq.pop(); // "/**" → zero or more "/…": "/a/**" matches "/a"
          seq.push({ t: "optional-segments" });
        } else {
          seq.push({ t: "star", m: any });
        }
      } else {
        seq.push({ t: "star", m: notSep });
        i++;
      }
      continue;
    }
    if (c === "{") {
      flush();
      literal = false;
      stack.push([[]]);
      i++;
      continue;
    }
    if (c === "," && stack.length > 1) {
      flush();
      (stack[stack.length - 1] as Node[][]).push([]);
      i++;
      continue;
    }
    if (c === "}") {
      if (stack.length === 1) {
        throw new GlobSyntaxError('unbalanced "}": remove it or add the opening "{"');
      }
      flush();
      const options = stack.pop() as Node[][];
      current().push({ t: "alt", options });
      i++;
      continue;
    }
    if (c === "[" || c === "]") {
      if (kind === "host") {
        throw new GlobSyntaxError(
          'unbalanced "[" or "]" in the host: an IPv6 address is written whole in brackets, like "[2001:db8::1]"',
        );
      }
      if (c === "]") throw new GlobSyntaxError('unbalanced "]": remove it or add the opening "["');
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) {
        throw new GlobSyntaxError(
          'unbalanced "[": close the character class with "]" or write "[" as %5B',
        );
      }
      flush();
      literal = false;
      current().push({ t: "char", m: compileClass(pattern.slice(i + 1, close)) });
      i = close + 1;
      continue;
    }
    if (c === "?" || c === "#") {
      throw new GlobSyntaxError(
        `"${c}" is not allowed: rules match the host and path only, so remove the query or fragment`,
      );
    }
    run += c;
    i++;
  }
  if (stack.length > 1) throw new GlobSyntaxError('unbalanced "{": close the alternation with "}"');
  flush();
  const nfa = buildNfa(stack[0]?.[0] ?? []);
  return { test: (text) => run_(nfa, text), literal };
}

function compileClass(body: string): (code: number) => boolean {
  let negate = false;
  let chars = body;
  if (chars.startsWith("!") || chars.startsWith("^")) {
    negate = true;
    chars = chars.slice(1);
  }
  if (chars === "") throw new GlobSyntaxError('empty character class "[]": list characters inside');
  // Only printable ASCII: the matched path is canonical ASCII (non-ASCII is percent-encoded).
  if (!/^[\x21-\x7e]+$/.test(chars)) {
    throw new GlobSyntaxError("character classes may hold printable ASCII characters only");
  }
  const ranges: [number, number][] = [];
  for (let i = 0; i < chars.length; i++) {
    const low = chars.charCodeAt(i);
    if (chars[i + 1] === "-" && i + 2 < chars.length) {
      const high = chars.charCodeAt(i + 2);
      if (high < low) {
        throw new GlobSyntaxError(
          'invalid character class: write ranges low to high, like "[a-z]"',
        );
      }
      ranges.push([low, high]);
      i += 2;
    } else {
      ranges.push([low, low]);
    }
  }
  const inClass = (code: number): boolean => ranges.some(([lo, hi]) => code >= lo && code <= hi);
  // A negated class must still not cross a segment boundary, as "*" doesn't.
  return negate ? (code) => code !== 0x2f && !inClass(code) : inClass;
}

/** NFA states: consume one char then go to `out`; loop on chars (and skip); fork; accept. */
type State =
  | { readonly k: "char"; readonly m: (code: number) => boolean; readonly out: number }
  | { readonly k: "loop"; readonly m: (code: number) => boolean; readonly out: number }
  | { readonly k: "split"; readonly a: number; readonly b: number }
  | { readonly k: "match" };

interface Nfa {
  readonly states: State[];
  readonly start: number;
}

function buildNfa(seq: readonly Node[]): Nfa {
  const states: State[] = [{ k: "match" }];
  const add = (state: State): number => states.push(state) - 1;
  const buildSeq = (nodes: readonly Node[], next: number): number => {
    let at = next;
    for (let i = nodes.length - 1; i >= 0; i--) at = buildNode(nodes[i] as Node, at);
    return at;
  };
  const buildNode = (node: Node, next: number): number => {
    switch (node.t) {
      case "char":
        return add({ k: "char", m: node.m, out: next });
      case "star":
        return add({ k: "loop", m: node.m, out: next });
      case "optional-segments": {
        const rest = add({ k: "loop", m: () => true, out: next });
        const slash = add({ k: "char", m: (c) => c === 0x2f, out: rest });
        return add({ k: "split", a: slash, b: next });
      }
      case "alt": {
        const starts = node.options.map((option) => buildSeq(option, next));
        let at = starts[starts.length - 1] as number;
        for (let i = starts.length - 2; i >= 0; i--)
          at = add({ k: "split", a: starts[i] as number, b: at });
        return at;
      }
    }
  };
  return { states, start: buildSeq(seq, 0) };
}

/** Simulate the NFA over `text`: every state set is tracked at once, so no backtracking. */
function run_(nfa: Nfa, text: string): boolean {
  const { states } = nfa;
  let current = new Set<number>();
  const close = (into: Set<number>, index: number): void => {
    if (into.has(index)) return;
    into.add(index);
    const state = states[index] as State;
    if (state.k === "split") {
      close(into, state.a);
      close(into, state.b);
    } else if (state.k === "loop") {
      close(into, state.out);
    }
  };
  close(current, nfa.start);
  for (let i = 0; i < text.length && current.size > 0; i++) {
    const code = text.charCodeAt(i);
    const next = new Set<number>();
    for (const index of current) {
      const state = states[index] as State;
      if (state.k === "char" && state.m(code)) close(next, state.out);
      else if (state.k === "loop" && state.m(code)) close(next, index);
    }
    current = next;
  }
  return current.has(0);
}
