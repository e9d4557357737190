import type { FreezeReport } from "./types.js";

/**
 * One line per function, for build logs: `fib: frozen (int32 + f64 paths)`,
 * `area: frozen (f64 path)`, `render: not frozen — uses this`.
 */
export function explain(report: FreezeReport): string[] {
  return report.functions.map((f) => {
    if (!f.frozen) return `${f.name}: not frozen — ${f.reason}`;
    const paths = f.paths.length > 1 ? `${f.paths.join(" + ")} paths` : `${f.paths[0]} path`;
    return `${f.name}: frozen (${paths})`;
  });
}
