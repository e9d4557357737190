/**
 * The pure command rule check behind `child_process`: may the guest run `file` with `args`
 * under `allowCommands` / `denyCommands` / `commands`? Names are compared by basename, exactly
 * (`/usr/bin/../bin/sh` and `./sh` are both `sh`; the caller separately checks that a path
 * names the same binary the rules mean). Deny wins; a subcommand list (`commands: { git:
 * ["status"] }`) allows only those first arguments and narrows an `allowCommands` grant.
 * Nothing is special-cased: `env X=1 sh` is the command `env`, `node -e …` is `node`.
 */

export interface CommandRules {
  readonly allowCommands: readonly string[];
  readonly denyCommands: readonly string[];
  readonly commands: Readonly<Record<string, true | readonly string[]>>;
}

export type CommandDecision =
  | { readonly allowed: true; readonly name: string; readonly rule: string }
  | { readonly allowed: false; readonly name: string; readonly reason: string };

/** The last path component (`""` for a path ending in `/`). */
export function commandName(file: string): string {
  const i = file.lastIndexOf("/");
  return i < 0 ? file : file.slice(i + 1);
}

export function checkCommand(
  rules: CommandRules,
  file: string,
  args: readonly string[],
): CommandDecision {
  const name = commandName(file);
  if (name === "" || name === "." || name === ".." || file.includes("\0"))
    return { allowed: false, name, reason: `"${file}" is not a command name` };
  if (rules.denyCommands.includes(name))
    return { allowed: false, name, reason: `"${name}" is in denyCommands` };
  const rule = Object.hasOwn(rules.commands, name) ? rules.commands[name] : undefined;
  if (Array.isArray(rule)) {
    const sub = args[0];
    if (sub !== undefined && rule.includes(sub))
      return { allowed: true, name, rule: `commands.${name} "${sub}"` };
    return {
      allowed: false,
      name,
      reason: `commands.${name} allows only ${rule.map((s) => `"${s}"`).join(", ") || "nothing"} as the first argument, got ${sub === undefined ? "none" : `"${sub}"`}`,
    };
  }
  if (rule === true) return { allowed: true, name, rule: `commands.${name}` };
  if (rules.allowCommands.includes(name)) return { allowed: true, name, rule: "allowCommands" };
  return { allowed: false, name, reason: `"${name}" is not in allowCommands or commands` };
}

/** The shell a command string may run under (`sh -c`, else `bash -c`), or null: none granted. */
export function grantedShell(rules: CommandRules, command: string): "sh" | "bash" | null {
  for (const shell of ["sh", "bash"] as const)
    if (checkCommand(rules, shell, ["-c", command]).allowed) return shell;
  return null;
}
