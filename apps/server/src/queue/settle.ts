/**
 * A promise that can be resolved once. Several racers (the run finishing, the watchdog, a cancel)
 * call `settle`; the first wins and the others get `false`, so a timeout and a completion can never
 * both answer a request.
 */
export interface SettleOnce<T> {
  readonly promise: Promise<T>;
  readonly settled: boolean;
  settle(value: T): boolean;
}

export function settleOnce<T>(onSettle?: (value: T) => void): SettleOnce<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  let settled = false;
  return {
    promise,
    get settled() {
      return settled;
    },
    settle(value: T): boolean {
      if (settled) return false;
      settled = true;
      onSettle?.(value);
      resolve(value);
      return true;
    },
  };
}
