import type { RuleSpec } from "./tables.js";
import type { Finding } from "./types.js";

/** More findings than this are summarised by one `findings-capped` finding. */
export const MAX_FINDINGS = 500;

/**
 * Collects findings for one input: positions are computed from offsets once per finding, repeats of
 * the same rule at the same position are dropped, and the total is capped so a file with a million
 * `eval`s cannot make the result itself huge.
 */
export class FindingSink {
  private readonly seen = new Set<string>();
  private readonly list: Finding[] = [];
  private lineStarts: number[] | null = null;
  capped = false;

  constructor(private readonly code: string) {}

  get size(): number {
    return this.list.length;
  }

  /** Report `spec` at source offset `offset`; `message` overrides the spec's. */
  add(spec: RuleSpec, offset: number, message?: string): void {
    const { line, column } = this.position(offset);
    const text = message ?? spec.message;
    const key = `${spec.rule}\u0000${line}\u0000${column}`;
    if (this.seen.has(key)) return;
    if (this.list.length >= MAX_FINDINGS) {
      this.capped = true;
      return;
    }
    this.seen.add(key);
    this.list.push({
      category: spec.category,
      rule: spec.rule,
      severity: spec.severity,
      message: text,
      line,
      column,
      snippet: this.snippet(offset),
    });
  }

  /** Add a finding computed elsewhere (nested analysis, notes about the analysis). */
  addFinding(f: Finding, force = false): void {
    const key = `${f.rule}\u0000${f.line}\u0000${f.column}`;
    if (this.seen.has(key)) return;
    if (this.list.length >= MAX_FINDINGS && !force) {
      this.capped = true;
      return;
    }
    this.seen.add(key);
    this.list.push(f);
  }

  /** Sorted by line, column, then rule. */
  findings(): Finding[] {
    return [...this.list].sort(
      (a, b) =>
        a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
    );
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    const starts = this.starts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] as number) + 1 };
  }

  private starts(): number[] {
    if (!this.lineStarts) {
      const starts = [0];
      // Line terminators as ECMAScript counts them, so positions agree with acorn's.
      const re = /\r\n?|[\n\u2028\u2029]/g;
      for (let m = re.exec(this.code); m; m = re.exec(this.code))
        starts.push(m.index + m[0].length);
      this.lineStarts = starts;
    }
    return this.lineStarts;
  }

  snippet(offset: number): string {
    const { line } = this.position(offset);
    const starts = this.starts();
    const start = starts[line - 1] as number;
    const next = starts[line];
    let end = next === undefined ? this.code.length : next;
    while (end > start && /[\r\n\u2028\u2029]/.test(this.code[end - 1] as string)) end--;
    if (end - start <= 120) return this.code.slice(start, end).trim();
    const from = Math.max(start, Math.min(offset - 40, end - 120));
    return this.code.slice(from, from + 120).trim();
  }
}
