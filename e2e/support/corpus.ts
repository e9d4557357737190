import { readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";

/** One attack program and what containment looks like for it, read from its header comments. */
export interface Case {
  kind: string;
  name: string;
  file: string;
  code: string;
  statuses: string[];
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  forbidStdout: string[];
  /** Host resources the case needs: temp dirs (`fs`, `commands`) and local servers (`network`). */
  fixture?: "fs" | "commands" | "network";
  options: Record<string, unknown>;
}

const HEADER = /^\/\/ ([a-z-]+): (.*)$/;

/**
 * Reads `security/cases/<kind>/*.js`. Header lines: `expect-status: a|b`, `expect-exit: N`,
 * `expect-stdout: text`, `expect-stderr: text`, `forbid-stdout: text`, `options: {json run options}`,
 * `fixture: fs|commands|network`.
 */
export function loadCases(root: string): Case[] {
  const cases: Case[] = [];
  for (const kind of readdirSync(root).sort()) {
    for (const name of readdirSync(join(root, kind))
      .filter((f) => f.endsWith(".js"))
      .sort()) {
      const file = join(root, kind, name);
      const code = readFileSync(file, "utf8");
      const c: Case = {
        kind,
        name: basename(name, ".js"),
        file,
        code,
        statuses: [],
        forbidStdout: ["ESCAPED"],
        options: {},
      };
      for (const line of code.split("\n")) {
        const m = HEADER.exec(line);
        if (!m) break;
        const [, key, value] = m as unknown as [string, string, string];
        if (key === "expect-status") c.statuses = value.split("|");
        else if (key === "expect-exit") c.exitCode = Number(value);
        else if (key === "expect-stdout") c.stdout = value;
        else if (key === "expect-stderr") c.stderr = value;
        else if (key === "forbid-stdout") c.forbidStdout.push(value);
        else if (key === "fixture") c.fixture = value as Case["fixture"];
        else if (key === "options") c.options = JSON.parse(value) as Record<string, unknown>;
      }
      if (c.statuses.length === 0) throw new Error(`${file}: missing "// expect-status:" header`);
      cases.push(c);
    }
  }
  return cases;
}
