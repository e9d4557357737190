import { AnalyzerOptionsError } from "./errors.js";
import { FindingSink } from "./findings.js";
import { lexicalScan } from "./lexical.js";
import { parseCode } from "./parse.js";
import { runRules } from "./rules.js";
import { buildScopes } from "./scope.js";
import { scoreFindings } from "./score.js";
import type { RuleSpec } from "./tables.js";
import type { AnalysisResult, AnalyzeOptions, Finding, ParseErrorInfo } from "./types.js";
import { Evaluator } from "./values.js";

/** Inputs longer than this (UTF-16 code units, ~2 MB of ASCII) are cut; the rest is not analysed. */
export const MAX_INPUT_CHARS = 2 * 1024 * 1024;
/** AST nodes (or tokens) visited per pass before the analysis stops and says so. */
export const MAX_NODES = 3_000_000;
/** Strings passed to eval are analysed too, to this depth (eval inside eval inside eval). */
const MAX_NESTING = 2;

const note = (rule: string, severity: RuleSpec["severity"], message: string): RuleSpec => ({
  category: "analysis",
  rule,
  severity,
  message,
});

function checkOptions(code: unknown, options: unknown): Required<AnalyzeOptions> {
  if (typeof code !== "string") {
    throw new AnalyzerOptionsError("code", `expected a string of source code, got ${typeof code}`);
  }
  if (options === undefined || options === null)
    return { language: "javascript", sourceType: "auto" };
  if (typeof options !== "object") {
    throw new AnalyzerOptionsError("options", `expected an object, got ${typeof options}`);
  }
  const {
    language = "javascript",
    sourceType = "auto",
    ...rest
  } = options as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new AnalyzerOptionsError(
      `options.${unknown[0]}`,
      "unknown option; the options are language and sourceType",
    );
  }
  if (language !== "javascript" && language !== "typescript") {
    throw new AnalyzerOptionsError(
      "options.language",
      `got ${JSON.stringify(language)}; use "javascript" or "typescript"`,
    );
  }
  if (sourceType !== "script" && sourceType !== "module" && sourceType !== "auto") {
    throw new AnalyzerOptionsError(
      "options.sourceType",
      `got ${JSON.stringify(sourceType)}; use "script", "module" or "auto"`,
    );
  }
  return { language, sourceType };
}

/**
 * Statically scores `code` for threats before it runs: parses it with acorn (TypeScript syntax
 * when `language: "typescript"`), resolves constant strings and aliases of dangerous globals, and
 * reports findings in eleven categories. Code that does not parse is not an error: the result
 * carries `parseError` and findings from a token scan. Work is bounded (input size, AST nodes,
 * folding depth), so hostile input cannot hang or crash the caller.
 *
 * The score only advises; the sandbox enforces. See {@link shouldBlock} for per-tier blocking.
 *
 * @throws AnalyzerOptionsError when `code` is not a string or an option is unknown.
 */
export function analyze(code: string, options?: AnalyzeOptions): AnalysisResult {
  const opts = checkOptions(code, options);
  return run(code, opts, 0, { nestedChars: MAX_NESTED_CHARS });
}

/**
 * Characters of eval'd strings analysed per call of `analyze`, all nesting levels together. Folding
 * can build a 64 KiB string from a few bytes (`'x'.repeat(65536)`), so without a budget a file of
 * `eval(s)` lines would multiply the work.
 */
const MAX_NESTED_CHARS = 1024 * 1024;

interface Budget {
  nestedChars: number;
}

function run(
  code: string,
  opts: Required<AnalyzeOptions>,
  depth: number,
  budget: Budget,
): AnalysisResult {
  let input = code;
  let cut = -1;
  if (input.length > MAX_INPUT_CHARS) {
    // Cut at a line end when there is one, so the part we keep still has a chance to parse.
    const nl = input.lastIndexOf("\n", MAX_INPUT_CHARS);
    cut = nl > MAX_INPUT_CHARS / 2 ? nl : MAX_INPUT_CHARS;
    input = input.slice(0, cut);
  }
  const sink = new FindingSink(input);
  if (cut >= 0) {
    sink.add(
      note(
        "input-truncated",
        "medium",
        `input is ${code.length} characters; only the first ${cut} were analysed`,
      ),
      Math.max(0, cut - 1),
    );
  }

  let parseError: ParseErrorInfo | undefined;
  const parsed = parseCode(input, opts.language, opts.sourceType);
  if ("error" in parsed) {
    const e = parsed.error;
    parseError = { message: e.message, line: e.line, column: e.column };
    sink.add(
      e.tooDeep
        ? note("nesting-limit", "medium", "nested too deeply to parse; only a token scan was done")
        : note("parse-error", "low", `does not parse: ${e.message}`),
      e.pos,
    );
    lexicalScan(input, sink, MAX_NODES);
  } else {
    try {
      const scopes = buildScopes(parsed.ast, MAX_NODES);
      const ev = new Evaluator(scopes);
      const nested = (text: string, offset: number, via: string) => {
        if (depth >= MAX_NESTING || text.length > budget.nestedChars) return;
        budget.nestedChars -= text.length;
        const inner = run(
          text,
          { language: "javascript", sourceType: "script" },
          depth + 1,
          budget,
        );
        const { line, column } = sink.position(offset);
        const snippet = sink.snippet(offset);
        for (const f of inner.findings) {
          if (f.rule === "parse-error") continue; // eval("{") is not our finding to make
          const mapped: Finding = {
            ...f,
            line,
            column,
            snippet,
            message: `in code run by ${via}: ${f.message}`,
          };
          sink.addFinding(mapped);
        }
      };
      const stats = runRules(parsed.ast, { ev, code: input, sink, nested }, MAX_NODES);
      if (stats.truncated) {
        sink.add(
          note(
            "node-limit",
            "medium",
            `stopped after ${MAX_NODES} syntax nodes; the rest was not analysed`,
          ),
          0,
        );
      }
    } catch (err) {
      // A defect or an engine limit inside the rules must not turn into an exception for the
      // caller: say so, and fall back to the token scan so the code is still scored.
      sink.add(
        note(
          "internal-error",
          "medium",
          `analysis failed (${(err as Error)?.message ?? err}); token scan only`,
        ),
        0,
      );
      lexicalScan(input, sink, MAX_NODES);
    }
  }
  if (sink.capped) {
    const { line, column } = sink.position(0);
    sink.addFinding(
      {
        category: "analysis",
        rule: "findings-capped",
        severity: "info",
        message: "more findings than the limit; the rest were dropped",
        line,
        column,
        snippet: sink.snippet(0),
      },
      true,
    );
  }
  const findings = sink.findings();
  const { score, level } = scoreFindings(findings);
  return parseError ? { score, level, findings, parseError } : { score, level, findings };
}
