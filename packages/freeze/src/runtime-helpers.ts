import binaryen from "binaryen";

/**
 * Small wasm functions that implement JS number semantics the instruction set lacks: checked int32
 * arithmetic for the int path, ToInt32, `%`, `Math.round`, `Math.sign`. binaryen inlines them.
 *
 * Bail-out protocol: set the exported `status` global, then trap (`unreachable`). The wrapper reads
 * `status` to decide what the trap meant. Pure code can be redone from the start, so a trap is the
 * cheapest way to abandon every frame of a deep call at once.
 */
export const STATUS = {
  ok: 0,
  /** An int32 path met a non-int32 value (overflow, fraction, -0, NaN): redo in the f64 path. */
  intBail: 1,
  /** Something JS does that frozen code does not model (returning undefined): run the original. */
  unsupported: 2,
  /** `airlock.checkpoint()` returned 0: the run's deadline passed. */
  deadline: 3,
  /** Calls nested deeper than maxDepth: run the original (the interpreter has its own limit). */
  depth: 4,
} as const;

/**
 * Typed-array kinds as frozen code numbers them (the `kind` argument of an export). Any other
 * typed array (Uint8ClampedArray, BigInt64Array…) is "not handled".
 */
export const ARRAY_KINDS = {
  Float64Array: 0,
  Float32Array: 1,
  Int32Array: 2,
  Uint8Array: 3,
  Int8Array: 4,
  Int16Array: 5,
  Uint16Array: 6,
  Uint32Array: 7,
} as const;

const { i32, i64, f64, none } = binaryen;
const INT_MIN = -2147483648;

export function bail(m: binaryen.Module, code: number): binaryen.ExpressionRef {
  return m.block(
    null,
    [m.global.set("status", m.i32.const(code)), m.unreachable()],
    binaryen.unreachable,
  );
}

/** Adds the helper functions (`$addi`, `$toi32`, …) and the `status`/`fuel` globals. */
export function addRuntime(m: binaryen.Module): void {
  m.addGlobal("status", i32, true, m.i32.const(0));
  m.addGlobalExport("status", "__status");
  // Starts empty so the first loop iteration or call asks the host for fuel (and the deadline).
  m.addGlobal("fuel", i32, true, m.i32.const(0));
  m.addFunctionImport("checkpoint", "airlock", "checkpoint", none, i32);

  const get = (i: number, t = i32) => m.local.get(i, t);
  const intBail = () => bail(m, STATUS.intBail);
  const fn = (name: string, params: number[], result: number, vars: number[], body: number[]) =>
    m.addFunction(name, binaryen.createType(params), result, vars, m.block(null, body, result));

  // The next fuel grant (frozen code keeps fuel in a local; see codegen.ts), or the deadline trap.
  m.addFunction(
    "refuel",
    none,
    i32,
    [i32],
    m.block(
      null,
      [
        m.local.set(0, m.call("checkpoint", [], i32)),
        m.if(m.i32.le_s(m.local.get(0, i32), m.i32.const(0)), bail(m, STATUS.deadline)),
        m.local.get(0, i32),
      ],
      i32,
    ),
  );

  // r = a + b; overflow iff a and b have the same sign and r has the other one.
  fn(
    "addi",
    [i32, i32],
    i32,
    [i32],
    [
      m.local.set(2, m.i32.add(get(0), get(1))),
      m.if(
        m.i32.lt_s(m.i32.and(m.i32.xor(get(0), get(2)), m.i32.xor(get(1), get(2))), m.i32.const(0)),
        intBail(),
      ),
      get(2),
    ],
  );
  fn(
    "subi",
    [i32, i32],
    i32,
    [i32],
    [
      m.local.set(2, m.i32.sub(get(0), get(1))),
      m.if(
        m.i32.lt_s(m.i32.and(m.i32.xor(get(0), get(1)), m.i32.xor(get(0), get(2))), m.i32.const(0)),
        intBail(),
      ),
      get(2),
    ],
  );
  // Exact product in i64; also 0 * negative is -0 in JS, which an i32 cannot hold.
  fn(
    "muli",
    [i32, i32],
    i32,
    [i64, i32],
    [
      m.local.set(2, m.i64.mul(m.i64.extend_s(get(0)), m.i64.extend_s(get(1)))),
      m.local.set(3, m.i32.wrap(get(2, i64))),
      m.if(m.i64.ne(get(2, i64), m.i64.extend_s(get(3))), intBail()),
      m.if(
        m.i32.and(m.i32.eqz(get(3)), m.i32.lt_s(m.i32.or(get(0), get(1)), m.i32.const(0))),
        intBail(),
      ),
      get(3),
    ],
  );
  // Only exact, finite, non -0, non-overflowing quotients stay int.
  fn(
    "divi",
    [i32, i32],
    i32,
    [i32],
    [
      m.if(m.i32.eqz(get(1)), intBail()),
      m.if(m.i32.and(m.i32.eqz(get(0)), m.i32.lt_s(get(1), m.i32.const(0))), intBail()),
      m.if(
        m.i32.and(m.i32.eq(get(0), m.i32.const(INT_MIN)), m.i32.eq(get(1), m.i32.const(-1))),
        intBail(),
      ),
      m.local.set(2, m.i32.div_s(get(0), get(1))),
      m.if(m.i32.ne(m.i32.mul(get(2), get(1)), get(0)), intBail()),
      get(2),
    ],
  );
  // x % 0 is NaN; a zero remainder of a negative dividend is -0.
  fn(
    "remi",
    [i32, i32],
    i32,
    [i32],
    [
      m.if(m.i32.eqz(get(1)), intBail()),
      m.local.set(2, m.i32.rem_s(get(0), get(1))),
      m.if(m.i32.and(m.i32.eqz(get(2)), m.i32.lt_s(get(0), m.i32.const(0))), intBail()),
      get(2),
    ],
  );
  fn(
    "negi",
    [i32],
    i32,
    [],
    [
      m.if(m.i32.or(m.i32.eqz(get(0)), m.i32.eq(get(0), m.i32.const(INT_MIN))), intBail()),
      m.i32.sub(m.i32.const(0), get(0)),
    ],
  );
  fn(
    "absi",
    [i32],
    i32,
    [],
    [
      m.if(m.i32.eq(get(0), m.i32.const(INT_MIN)), intBail()),
      m.select(m.i32.lt_s(get(0), m.i32.const(0)), m.i32.sub(m.i32.const(0), get(0)), get(0)),
    ],
  );
  fn(
    "shrui",
    [i32, i32],
    i32,
    [i32],
    [
      m.local.set(2, m.i32.shr_u(get(0), get(1))),
      m.if(m.i32.lt_s(get(2), m.i32.const(0)), intBail()),
      get(2),
    ],
  );
  fn("mini", [i32, i32], i32, [], [m.select(m.i32.lt_s(get(0), get(1)), get(0), get(1))]);
  fn("maxi", [i32, i32], i32, [], [m.select(m.i32.gt_s(get(0), get(1)), get(0), get(1))]);
  // f64 → i32 only if the value is exactly an int32 (not -0, not NaN). The range test first (NaN
  // fails it), then a plain truncation, which cannot trap in range: V8's saturating truncation
  // costs several times more, and this runs for every typed-array element the int path reads.
  fn(
    "narrow",
    [f64],
    i32,
    [i32],
    [
      m.if(
        m.i32.eqz(
          m.i32.and(
            m.f64.ge(get(0, f64), m.f64.const(INT_MIN)),
            m.f64.lt(get(0, f64), m.f64.const(2147483648)),
          ),
        ),
        intBail(),
      ),
      m.local.set(1, m.i32.trunc_s.f64(get(0, f64))),
      m.if(m.f64.ne(m.f64.convert_s.i32(get(1)), get(0, f64)), intBail()),
      m.if(
        m.i32.and(
          m.i32.eqz(get(1)),
          m.f64.lt(m.f64.copysign(m.f64.const(1), get(0, f64)), m.f64.const(0)),
        ),
        intBail(),
      ),
      get(1),
    ],
  );
  // ToInt32: truncate, wrap modulo 2^32; NaN and ±Infinity give 0. Below 2^63 a saturating i64
  // truncation is exact; above it, reduce modulo 2^32 first (exact: both terms are multiples of
  // the value's ulp). Infinity reduces to NaN, which truncates to 0.
  const two63 = 9223372036854775808;
  const two32 = 4294967296;
  fn(
    "toi32",
    [f64],
    i32,
    [],
    [
      // |x| < 2^31 (the common case; NaN fails the test): one plain truncation, which cannot
      // trap in that range. V8's saturating i64 truncation below costs ~9 ns; this ~1 ns.
      m.if(
        m.f64.lt(m.f64.abs(get(0, f64)), m.f64.const(2147483648)),
        m.return(m.i32.trunc_s.f64(get(0, f64))),
      ),
      m.i32.wrap(
        m.i64.trunc_s_sat.f64(
          // `if`, not `select`: a select would compute the division on every call.
          m.if(
            m.f64.lt(m.f64.abs(get(0, f64)), m.f64.const(two63)),
            get(0, f64),
            m.f64.sub(
              get(0, f64),
              m.f64.mul(
                m.f64.const(two32),
                m.f64.floor(m.f64.div(get(0, f64), m.f64.const(two32))),
              ),
            ),
          ),
        ),
      ),
    ],
  );
  // JS `%` on doubles. Integers below 2^53 (the common case) use i64.rem_s; the result takes the
  // dividend's sign (so -4 % 2 is -0). Everything else is `fmodx`, an exact fmod in wasm.
  const isSafeInt = (i: number) =>
    m.i32.and(
      m.f64.eq(m.f64.trunc(get(i, f64)), get(i, f64)),
      m.f64.lt(m.f64.abs(get(i, f64)), m.f64.const(9007199254740992)),
    );
  fn(
    "fmod",
    [f64, f64],
    f64,
    [],
    [
      m.if(
        m.i32.and(m.i32.and(isSafeInt(0), isSafeInt(1)), m.f64.ne(get(1, f64), m.f64.const(0))),
        m.return(
          m.f64.copysign(
            // Both are integers below 2^53 here: the plain truncation cannot trap.
            m.f64.convert_s.i64(
              m.i64.rem_s(m.i64.trunc_s.f64(get(0, f64)), m.i64.trunc_s.f64(get(1, f64))),
            ),
            get(0, f64),
          ),
        ),
      ),
      m.call("fmodx", [get(0, f64), get(1, f64)], f64),
    ],
  );
  addFmodx(m);
  // A number stored into a typed array, converted to its kind (ARRAY_KINDS) and back to a
  // double: what reading the element again gives in JS.
  const conv = (kind: number) => m.i32.eq(get(0), m.i32.const(kind));
  const x = () => m.call("toi32", [get(1, f64)], i32);
  fn(
    "conv",
    [i32, f64],
    f64,
    [],
    [
      m.if(conv(ARRAY_KINDS.Float64Array), m.return(get(1, f64))),
      m.if(conv(ARRAY_KINDS.Float32Array), m.return(m.f64.promote(m.f32.demote(get(1, f64))))),
      m.if(conv(ARRAY_KINDS.Int32Array), m.return(m.f64.convert_s.i32(x()))),
      m.if(
        conv(ARRAY_KINDS.Uint8Array),
        m.return(m.f64.convert_s.i32(m.i32.and(x(), m.i32.const(255)))),
      ),
      m.if(conv(ARRAY_KINDS.Int8Array), m.return(m.f64.convert_s.i32(m.i32.extend8_s(x())))),
      m.if(conv(ARRAY_KINDS.Int16Array), m.return(m.f64.convert_s.i32(m.i32.extend16_s(x())))),
      m.if(
        conv(ARRAY_KINDS.Uint16Array),
        m.return(m.f64.convert_s.i32(m.i32.and(x(), m.i32.const(65535)))),
      ),
      // Uint32Array
      m.f64.convert_u.i32(x()),
    ],
  );
  // Math.round: round half toward +∞. ceil, then step down if that went more than half up.
  // ceil keeps the sign of zero, which gives -0 for [-0.5, -0] as JS requires; NaN/±∞ pass.
  fn(
    "roundf",
    [f64],
    f64,
    [f64],
    [
      m.local.set(1, m.f64.ceil(get(0, f64))),
      m.if(
        m.f64.gt(m.f64.sub(get(1, f64), m.f64.const(0.5)), get(0, f64)),
        m.local.set(1, m.f64.sub(get(1, f64), m.f64.const(1))),
      ),
      get(1, f64),
    ],
  );
  fn(
    "signf",
    [f64],
    f64,
    [],
    [
      m.if(
        m.f64.gt(get(0, f64), m.f64.const(0)),
        m.f64.const(1),
        m.if(m.f64.lt(get(0, f64), m.f64.const(0)), m.f64.const(-1), get(0, f64)),
      ),
    ],
  );
}

/** Masks of a double's bits: fraction, hidden bit, all-ones exponent, everything but the sign. */
const FRACTION = (1n << 52n) - 1n;
const HIDDEN = 1n << 52n;
const EXP_ALL = 0x7ffn << 52n;
const ABS = (1n << 63n) - 1n;

/**
 * `fmodx(x, y)`: JS `x % y` for any doubles, exact, with no host call (the host's `%` cost a
 * guest→wasm→host crossing per operation; typed-array.js does 20M of them).
 *
 * NaN operands, an infinite dividend or a zero divisor give NaN; an infinite divisor or
 * `|x| < |y|` give `x` (so ±0 stays ±0). Otherwise both are integers scaled by powers of two,
 * `x = mx·2^(ex-1075)`, `y = my·2^(ey-1075)` (mantissas below 2^53; subnormals use exponent 1),
 * and `ex >= ey`. Then `x mod y = ((mx·2^(ex-ey)) mod my)·2^(ey-1075)`: the mantissa remainder is
 * taken with `i64.rem_u`, shifting in at most 11 bits of `2^(ex-ey)` at a time (`r < my < 2^53`,
 * so `r << 11` fits in 64 bits) — musl's bit-by-bit loop, eleven bits per step. The remainder is
 * below 2^53, so converting it to a double is exact, and so is the final scaling (the true result
 * is a representable multiple of `2^(ey-1075)`). The sign is the dividend's; a zero remainder is
 * `±0` accordingly.
 */
function addFmodx(m: binaryen.Module): void {
  const X = 0;
  const Y = 1;
  const UX = 2;
  const UY = 3;
  const EX = 4;
  const EY = 5;
  const MY = 6;
  const R = 7;
  const D = 8;
  const S = 9;
  const c64 = (v: bigint) => m.i64.const(v);
  const g = (i: number, t: number) => m.local.get(i, t);
  const zeroLikeX = () => m.f64.copysign(m.f64.const(0), g(X, f64));
  const body = [
    m.local.set(UX, m.i64.and(m.i64.reinterpret(g(X, f64)), c64(ABS))),
    m.local.set(UY, m.i64.and(m.i64.reinterpret(g(Y, f64)), c64(ABS))),
    // y is ±0 or NaN, or x is ±Infinity or NaN: NaN.
    m.if(
      m.i32.or(
        m.i32.or(m.i64.eqz(g(UY, i64)), m.i64.gt_u(g(UY, i64), c64(EXP_ALL))),
        m.i64.ge_u(g(UX, i64), c64(EXP_ALL)),
      ),
      m.return(m.f64.const(Number.NaN)),
    ),
    // |x| <= |y| (y infinite included): x itself, or ±0 when equal.
    m.if(
      m.i64.le_u(g(UX, i64), g(UY, i64)),
      m.return(m.if(m.i64.eq(g(UX, i64), g(UY, i64)), zeroLikeX(), g(X, f64))),
    ),
    m.local.set(EX, m.i32.wrap(m.i64.shr_u(g(UX, i64), m.i64.const(52n)))),
    m.local.set(EY, m.i32.wrap(m.i64.shr_u(g(UY, i64), m.i64.const(52n)))),
    // Mantissas: the hidden bit for normal numbers; subnormals count as exponent 1.
    m.local.set(R, m.i64.and(g(UX, i64), c64(FRACTION))),
    m.if(
      m.i32.eqz(g(EX, i32)),
      m.local.set(EX, m.i32.const(1)),
      m.local.set(R, m.i64.or(g(R, i64), c64(HIDDEN))),
    ),
    m.local.set(MY, m.i64.and(g(UY, i64), c64(FRACTION))),
    m.if(
      m.i32.eqz(g(EY, i32)),
      m.local.set(EY, m.i32.const(1)),
      m.local.set(MY, m.i64.or(g(MY, i64), c64(HIDDEN))),
    ),
    m.local.set(R, m.i64.rem_u(g(R, i64), g(MY, i64))),
    m.local.set(D, m.i32.sub(g(EX, i32), g(EY, i32))),
    m.block("done", [
      m.loop(
        "shift",
        m.block(null, [
          m.br("done", m.i32.le_s(g(D, i32), m.i32.const(0))),
          m.local.set(
            S,
            m.select(m.i32.gt_s(g(D, i32), m.i32.const(11)), m.i32.const(11), g(D, i32)),
          ),
          m.local.set(R, m.i64.rem_u(m.i64.shl(g(R, i64), m.i64.extend_u(g(S, i32))), g(MY, i64))),
          m.local.set(D, m.i32.sub(g(D, i32), g(S, i32))),
          m.br("shift"),
        ]),
      ),
    ]),
    m.if(m.i64.eqz(g(R, i64)), m.return(zeroLikeX())),
    // r · 2^(ey-1075): 2^p built from its bits, normal when ey > 52, subnormal otherwise.
    m.f64.copysign(
      m.f64.mul(
        m.f64.convert_u.i64(g(R, i64)),
        m.f64.reinterpret(
          m.if(
            m.i32.gt_s(g(EY, i32), m.i32.const(52)),
            m.i64.shl(m.i64.extend_u(m.i32.sub(g(EY, i32), m.i32.const(52))), m.i64.const(52n)),
            m.i64.shl(m.i64.const(1n), m.i64.extend_u(m.i32.sub(g(EY, i32), m.i32.const(1)))),
          ),
        ),
      ),
      g(X, f64),
    ),
  ];
  m.addFunction(
    "fmodx",
    binaryen.createType([f64, f64]),
    f64,
    [i64, i64, i32, i32, i64, i64, i32, i32],
    m.block(null, body, f64),
  );
}
