/** The last `size` durations, for p50/p95 in `GET /api/stats` without unbounded memory. */
export class LatencyWindow {
  readonly #values: number[] = [];
  #next = 0;

  constructor(readonly size: number) {}

  add(ms: number): void {
    if (this.#values.length < this.size) this.#values.push(ms);
    else this.#values[this.#next] = ms;
    this.#next = (this.#next + 1) % this.size;
  }

  summary(): { count: number; p50: number | null; p95: number | null; max: number | null } {
    const sorted = [...this.#values].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
    return { count: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? null };
  }
}
