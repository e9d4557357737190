/**
 * The `Math` members frozen code may use. All are pure functions of their number arguments.
 * `arity` -1 means variadic (min/max). `native`: compiled to wasm instructions; otherwise the
 * function is imported from the host realm's own `Math` (so its result is bit-for-bit the host's).
 */
export const MATH_FUNCTIONS: Record<string, { arity: number; native: boolean }> = {
  abs: { arity: 1, native: true },
  floor: { arity: 1, native: true },
  ceil: { arity: 1, native: true },
  round: { arity: 1, native: true },
  trunc: { arity: 1, native: true },
  sign: { arity: 1, native: true },
  sqrt: { arity: 1, native: true },
  fround: { arity: 1, native: true },
  imul: { arity: 2, native: true },
  clz32: { arity: 1, native: true },
  min: { arity: -1, native: true },
  max: { arity: -1, native: true },
  pow: { arity: 2, native: false },
  atan2: { arity: 2, native: false },
  cbrt: { arity: 1, native: false },
  exp: { arity: 1, native: false },
  expm1: { arity: 1, native: false },
  log: { arity: 1, native: false },
  log1p: { arity: 1, native: false },
  log2: { arity: 1, native: false },
  log10: { arity: 1, native: false },
  sin: { arity: 1, native: false },
  cos: { arity: 1, native: false },
  tan: { arity: 1, native: false },
  asin: { arity: 1, native: false },
  acos: { arity: 1, native: false },
  atan: { arity: 1, native: false },
  sinh: { arity: 1, native: false },
  cosh: { arity: 1, native: false },
  tanh: { arity: 1, native: false },
  asinh: { arity: 1, native: false },
  acosh: { arity: 1, native: false },
  atanh: { arity: 1, native: false },
};

/** Math functions whose results are usually not int32: their presence drops the int32 path. */
export const FLOAT_MATH = new Set(
  Object.keys(MATH_FUNCTIONS).filter(
    (n) =>
      !["abs", "floor", "ceil", "round", "trunc", "sign", "imul", "clz32", "min", "max"].includes(
        n,
      ),
  ),
);

export const MATH_CONSTANTS: Record<string, number> = {
  E: Math.E,
  LN10: Math.LN10,
  LN2: Math.LN2,
  LOG10E: Math.LOG10E,
  LOG2E: Math.LOG2E,
  PI: Math.PI,
  SQRT1_2: Math.SQRT1_2,
  SQRT2: Math.SQRT2,
};

// Captured when this module loads, so later changes to the global `Math` do not reach frozen code.
const HOST_MATH: Record<string, (...args: number[]) => number> = {
  // JS `%` on doubles. Modules of this version compute it in wasm (`fmodx`); kept so that modules
  // built by earlier versions, which import it, still link.
  mod: (a, b) => a % b,
};
for (const [name, spec] of Object.entries(MATH_FUNCTIONS)) {
  if (!spec.native) {
    HOST_MATH[name] = (Math as unknown as Record<string, (...a: number[]) => number>)[name]!;
  }
}

/** Host functions a frozen module imports (module "math"); supplied by `frozenImports`. */
export function hostMathImports(): Record<string, (...args: number[]) => number> {
  return { ...HOST_MATH };
}
