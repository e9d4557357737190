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
  // f64 → i32 only if the value is exactly an int32 (not -0, not NaN).
  fn(
    "narrow",
    [f64],
    i32,
    [i32],
    [
      m.local.set(1, m.i32.trunc_s_sat.f64(get(0, f64))),
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
      m.i32.wrap(
        m.i64.trunc_s_sat.f64(
          m.select(
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
  // dividend's sign (so -4 % 2 is -0). Everything else goes to the host's own `%`.
  const isSafeInt = (i: number) =>
    m.i32.and(
      m.f64.eq(m.f64.trunc(get(i, f64)), get(i, f64)),
      m.f64.lt(m.f64.abs(get(i, f64)), m.f64.const(9007199254740992)),
    );
  m.addFunctionImport("host_mod", "math", "mod", binaryen.createType([f64, f64]), f64);
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
            m.f64.convert_s.i64(
              m.i64.rem_s(m.i64.trunc_s_sat.f64(get(0, f64)), m.i64.trunc_s_sat.f64(get(1, f64))),
            ),
            get(0, f64),
          ),
        ),
      ),
      m.call("host_mod", [get(0, f64), get(1, f64)], f64),
    ],
  );
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
