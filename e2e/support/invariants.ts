/**
 * Host-side invariants checked around every attack: the host's globals and builtin prototypes are unchanged,
 * and a secret in the host environment never shows up in what the sandbox printed.
 */
export const HOST_SECRET_NAME = "AIRLOCK_E2E_HOST_SECRET";
export const HOST_SECRET = "s3cr3t-" + Math.random().toString(36).slice(2);

const BUILTINS: Record<string, object> = {
  globalThis,
  Object: Object.prototype,
  Array: Array.prototype,
  Function: Function.prototype,
  Promise: Promise.prototype,
  Error: Error.prototype,
  String: String.prototype,
  RegExp: RegExp.prototype,
  Map: Map.prototype,
  JSON,
  Math,
  Reflect,
};

export function snapshotHost(): Record<string, string[]> {
  const snap: Record<string, string[]> = {};
  for (const [name, obj] of Object.entries(BUILTINS)) {
    snap[name] = Reflect.ownKeys(obj)
      .map((k) => {
        const d = Object.getOwnPropertyDescriptor(obj, k);
        const v = d && "value" in d ? typeof d.value : "accessor";
        return `${String(k)}:${v}`;
      })
      .sort();
  }
  return snap;
}
