/**
 * Builds the guest-side prelude that defines `context` values as globals. Values travel as JSON text
 * inside a string literal and are re-created by the guest's own `JSON.parse`, so no host object ever
 * crosses into the sandbox; `defineProperty` (not assignment) makes a key like `__proto__` a plain
 * property instead of a prototype change. The prelude has no newline, so user line numbers stay right.
 */
export function contextPrelude(context: Record<string, unknown> | undefined): string {
  if (!context || Object.keys(context).length === 0) return "";
  const literal = JSON.stringify(JSON.stringify(context));
  return (
    `(function(){var o=JSON.parse(${literal});for(var k in o)` +
    `Object.defineProperty(globalThis,k,{value:o[k],writable:true,enumerable:true,configurable:true});})();`
  );
}
