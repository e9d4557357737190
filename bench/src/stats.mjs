/** Order statistics over a list of numbers (milliseconds). */
export function quantile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i];
}
export const median = (values) => quantile(values, 0.5);
export const fmtMs = (ms) =>
  (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)) + " ms";
export const fmtRatio = (r) => (r >= 10 ? r.toFixed(0) : r.toFixed(2)) + "×";
