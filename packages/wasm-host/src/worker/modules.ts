/**
 * ES module resolution for the guest: `import fs from "node:fs"` gets a generated wrapper over
 * the guest's own `require("fs")` (named exports included); relative and absolute specifiers
 * load files from the run's vfs (granted dirs and `/tmp`); JSON files export their value.
 * Errors name sandbox paths only, never where Airlock is installed.
 */
import { posix } from "node:path";
import { builtinName } from "../guest/node/builtins.js";
import type { Instance } from "./instance.js";
import { capsOf } from "./ops/caps.js";
import type { Run } from "./run.js";

const IDENT = /^[A-Za-z_$][\w$]*$/;

class ModuleNotFound extends Error {
  constructor(specifier: string, from: string) {
    super(`Cannot find module '${specifier}' imported from ${from}`);
    this.name = "Error";
  }
}

export function installModuleLoader(inst: Instance, run: Run): void {
  const { rt, ctx } = inst;
  const base = (name: string): string => {
    if (name.startsWith("/")) return posix.dirname(name);
    return capsOf(run).cwd;
  };
  rt.setModuleLoader(
    (name) => {
      if (name.startsWith("node:")) {
        const builtin = name.slice(5);
        // The wrapper's named exports are the module's own keys, read from the guest (same context).
        const keysResult = ctx.evalCode(
          `JSON.stringify(Object.keys(globalThis.__airlockRequire(${JSON.stringify(builtin)})))`,
        );
        let keys: string[] = [];
        if (keysResult.error) {
          const e = keysResult.error;
          return { error: e };
        }
        keys = JSON.parse(ctx.getString(keysResult.value)) as string[];
        keysResult.value.dispose();
        const named = keys.filter((k) => IDENT.test(k) && k !== "default");
        return [
          `const m = globalThis.__airlockRequire(${JSON.stringify(builtin)});`,
          `export default m;`,
          `export const { ${named.join(", ")} } = m;`,
        ].join("\n");
      }
      try {
        const text = new TextDecoder().decode(capsOf(run).vfs.readFile(name));
        return name.endsWith(".json")
          ? `export default ${JSON.stringify(JSON.parse(text))};`
          : text;
      } catch {
        return { error: new ModuleNotFound(name, "the sandbox") };
      }
    },
    (baseName, requested) => {
      const builtin = builtinName(requested);
      if (builtin !== null) return `node:${builtin}`;
      if (requested.startsWith("node:")) {
        return { error: new ModuleNotFound(requested, baseName) };
      }
      if (requested.startsWith("/") || requested.startsWith("./") || requested.startsWith("../"))
        return posix.resolve(base(baseName), requested);
      return { error: new ModuleNotFound(requested, baseName) };
    },
  );
}
