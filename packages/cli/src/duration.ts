import { UsageError } from "./output.js";

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m)?$/;

/** Parses `500`, `500ms`, `2s`, `1.5m` into milliseconds; bare numbers are milliseconds. */
export function parseDuration(flag: string, text: string): number {
  const m = DURATION_RE.exec(text.trim());
  if (!m)
    throw new UsageError(
      `${flag} ${JSON.stringify(text)}: expected a duration like 500, 500ms, 2s or 1m`,
    );
  const n = Number(m[1]);
  const ms = m[2] === "s" ? n * 1000 : m[2] === "m" ? n * 60_000 : n;
  if (!(ms >= 1 && ms <= 86_400_000)) throw new UsageError(`${flag} must be between 1ms and 24h`);
  return Math.round(ms);
}
