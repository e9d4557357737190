import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkCommand,
  commandName,
  grantedShell,
  type CommandRules,
} from "../src/worker/ops/command-policy.js";

const rules = (r: Partial<CommandRules>): CommandRules => ({
  allowCommands: [],
  denyCommands: [],
  commands: {},
  ...r,
});

describe("checkCommand", () => {
  it("denies by default and allows only granted basenames", () => {
    expect(checkCommand(rules({}), "ls", []).allowed).toBe(false);
    expect(checkCommand(rules({ allowCommands: ["ls"] }), "ls", ["-l"]).allowed).toBe(true);
    expect(checkCommand(rules({ allowCommands: ["ls"] }), "/usr/bin/ls", []).allowed).toBe(true);
  });
  it("lets deny win over allow and commands", () => {
    const r = rules({ allowCommands: ["sh"], commands: { sh: true }, denyCommands: ["sh"] });
    expect(checkCommand(r, "sh", ["-c", "true"]).allowed).toBe(false);
    expect(checkCommand(r, "/usr/bin/../bin/sh", []).allowed).toBe(false);
  });
  it("restricts a command to its listed subcommands", () => {
    const r = rules({ allowCommands: ["git"], commands: { git: ["status"] } });
    expect(checkCommand(r, "git", ["status"]).allowed).toBe(true);
    expect(checkCommand(r, "git", ["-c", "core.sshCommand=sh", "status"]).allowed).toBe(false);
    expect(checkCommand(r, "git", []).allowed).toBe(false);
  });
  it("treats env and interpreters as themselves", () => {
    const r = rules({ allowCommands: ["node"] });
    expect(checkCommand(r, "env", ["X=1", "node"]).allowed).toBe(false);
    expect(checkCommand(r, "node", ["-e", "1"]).allowed).toBe(true);
    expect(grantedShell(r, "ls")).toBeNull();
    expect(grantedShell(rules({ allowCommands: ["bash"] }), "ls")).toBe("bash");
  });
  it("rejects names that are not commands", () => {
    const r = rules({ allowCommands: ["", ".", ".."] });
    for (const f of ["", ".", "..", "/usr/bin/", "a\0b"])
      expect(checkCommand(r, f, []).allowed).toBe(false);
  });

  it("never grants more than the rules (property)", () => {
    const name = fc.constantFrom<string>(
      "sh",
      "bash",
      "git",
      "node",
      "env",
      "ls",
      "x",
      "Sh",
      "git ",
    );
    const file = fc
      .tuple(fc.constantFrom("", "/usr/bin/", "./", "/a/../", "../"), name)
      .map(([p, n]) => p + n);
    const arb = fc.record({
      allowCommands: fc.array(name, { maxLength: 4 }),
      denyCommands: fc.array(name, { maxLength: 3 }),
      commands: fc.dictionary(
        name,
        fc.oneof(
          fc.constant(true as const),
          fc.array(fc.constantFrom("status", "log", "-c"), { maxLength: 2 }),
        ),
      ),
    });
    fc.assert(
      fc.property(
        arb,
        file,
        fc.array(fc.constantFrom("status", "-c", "log", "x"), { maxLength: 3 }),
        (r, f, args) => {
          const d = checkCommand(r, f, args);
          if (!d.allowed) return;
          const n = commandName(f);
          expect(n).toBe(d.name);
          expect(r.denyCommands).not.toContain(n);
          const rule = Object.hasOwn(r.commands, n) ? r.commands[n] : undefined;
          if (Array.isArray(rule)) expect(rule).toContain(args[0]);
          else expect(rule === true || r.allowCommands.includes(n)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
