const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i;

/**
 * Parses a byte size: a non-negative integer, or a string like `"64mb"`, `"512 KiB"`, `"1.5g"`.
 * Units are binary (1 kb = 1024 bytes), as memory limits are. Returns `undefined` when the text is not a size.
 */
export function parseSize(value: number | string): number | undefined {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  }
  const m = SIZE_RE.exec(value);
  if (!m) return undefined;
  const factor = UNITS[m[2]!.toLowerCase()];
  if (factor === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Formats bytes the way `parseSize` reads them back (`64mb`), for messages and `config check`. */
export function formatSize(bytes: number): string {
  for (const [unit, f] of [
    ["gb", 1024 ** 3],
    ["mb", 1024 ** 2],
    ["kb", 1024],
  ] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${unit}`;
  }
  return `${bytes}b`;
}
