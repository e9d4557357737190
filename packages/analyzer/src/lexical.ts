import { tokenizer, type Token } from "acorn";
import type { FindingSink } from "./findings.js";
import { checkString } from "./rules.js";
import { CALLS, MODULES, lookup, type RuleSpec } from "./tables.js";

const word = (
  category: RuleSpec["category"],
  rule: string,
  severity: RuleSpec["severity"],
  name: string,
): RuleSpec => ({
  category,
  rule,
  severity,
  message: `mentions ${name} (token scan: the code did not parse)`,
});

/** Identifiers that matter even when the code around them cannot be parsed. */
const WORDS: Readonly<Record<string, RuleSpec>> = {
  eval: word("code-injection", "eval-call", "high", "eval"),
  Function: word("code-injection", "function-constructor", "medium", "Function"),
  exec: word("command-execution", "child-process-call", "high", "exec"),
  execSync: word("command-execution", "child-process-call", "high", "execSync"),
  spawn: word("command-execution", "child-process-call", "high", "spawn"),
  spawnSync: word("command-execution", "child-process-call", "high", "spawnSync"),
  execFile: word("command-execution", "child-process-call", "high", "execFile"),
  execFileSync: word("command-execution", "child-process-call", "high", "execFileSync"),
  child_process: word("command-execution", "child-process-import", "high", "child_process"),
  mainModule: word("module-loading", "main-module", "high", "mainModule"),
  __proto__: word("prototype-pollution", "proto-access", "medium", "__proto__"),
  fromCharCode: word("encoding", "obfuscated-name", "low", "fromCharCode"),
  atob: word("encoding", "decode-call", "low", "atob"),
  WebAssembly: word("webassembly", "wasm-compile", "medium", "WebAssembly"),
  SharedArrayBuffer: word("buffer-abuse", "shared-array-buffer", "medium", "SharedArrayBuffer"),
  allocUnsafe: word("buffer-abuse", "buffer-alloc-unsafe", "medium", "allocUnsafe"),
  fetch: word("network", "fetch-call", "low", "fetch"),
  WebSocket: word("network", "websocket", "medium", "WebSocket"),
};

/** Restarts after tokenizer errors are capped; each restart scans a fresh part of the input. */
const MAX_RESTARTS = 10_000;

/**
 * The fallback for code that does not parse (or is too deep to parse): scan tokens, which needs no
 * grammar and no recursion, and report dangerous names and strings. Weaker than the AST rules —
 * no aliases, no folding — but junk that hides `child_process` still scores.
 */
export function lexicalScan(code: string, sink: FindingSink, maxTokens: number): void {
  let base = 0;
  let tokens = 0;
  let prev: string[] = [];
  // Characters read, counting re-reads after restarts: an error is reported where a construct
  // starts (an unterminated template) but found where the input ends, so restarts could re-read.
  let work = 0;
  const maxWork = 8 * code.length + 1_000_000;
  for (
    let restarts = 0;
    base < code.length && restarts < MAX_RESTARTS && tokens < maxTokens;
    restarts++
  ) {
    const text = code.slice(base);
    // sourceType "module": a script tokenizer first scans the input for a "use strict" prologue,
    // which re-reads every leading string on each restart (quadratic on `'\n'\n'\n…`).
    const scanner = tokenizer(text, {
      ecmaVersion: "latest",
      sourceType: "module",
      allowHashBang: true,
    }) as unknown as Iterable<Token & { value?: unknown }> & { pos: number };
    try {
      for (const tok of scanner) {
        if (++tokens > maxTokens) return;
        const start = base + tok.start;
        const label = tok.type.label;
        if (label === "name") {
          const name = String(tok.value);
          const spec = lookup(WORDS, name);
          if (spec) sink.add(spec, start);
          if (name === "env" && prev[0] === "." && prev[1] === "process") {
            sink.add(word("environment", "env-all", "medium", "process.env"), start);
          }
          if (name === "binding" && prev[0] === "." && prev[1] === "process") {
            sink.add(
              {
                ...(CALLS["process.binding"] as RuleSpec),
                message: "mentions process.binding (token scan)",
              },
              start,
            );
          }
        } else if (label === "string" || label === "template") {
          const value = String(tok.value ?? "");
          const mod = lookup(
            MODULES,
            (value.startsWith("node:") ? value.slice(5) : value).split("/")[0] as string,
          );
          if (mod && label === "string") sink.add(mod, start, `${mod.message} (token scan)`);
          checkString(value, { start, end: base + tok.end }, { sink, code }, true);
        }
        prev = [label === "name" ? String(tok.value) : label, prev[0] ?? ""];
      }
      return;
    } catch (err) {
      // Skip past the bad character and keep scanning: junk must not hide what follows it.
      const pos = (err as { pos?: unknown }).pos;
      work += Math.max(scanner.pos, 1);
      if (work > maxWork) return;
      base += typeof pos === "number" && pos >= 0 ? pos + 1 : text.length;
      prev = [];
    }
  }
}
