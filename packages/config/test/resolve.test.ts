import { describe, expect, it } from "vitest";
import {
  AirlockError,
  ConfigValidationError,
  TIERS,
  defaultConfig,
  formatSize,
  parseSize,
  resolveConfig,
} from "../src/index.js";

const ctx = { cwd: "/work/app", home: "/home/ada" };

function fieldOf(input: unknown): string {
  try {
    resolveConfig(input, ctx);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigValidationError);
    expect((err as ConfigValidationError).code).toBe("AIRLOCK_CONFIG_INVALID");
    return (err as ConfigValidationError).field;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe("resolveConfig: defaults and tiers", () => {
  it("an empty object is the standard tier with nothing granted", () => {
    const c = resolveConfig({}, ctx);
    expect(c.policy).toBe("standard");
    expect(c.runtime).toEqual(TIERS.standard.runtime);
    expect(c.dirs).toEqual([]);
    expect(c.env).toEqual([]);
    expect(c.allowCommands).toEqual([]);
    expect(c.allowedUrls).toEqual([]);
    expect(c.allowPrivateNetwork).toBe(false);
    expect(c.source).toBeNull();
  });

  it("each tier expands to its documented defaults", () => {
    expect(resolveConfig({ policy: "strict" }, ctx).runtime.timeout_ms).toBe(5000);
    expect(resolveConfig({ policy: "extended" }, ctx).allowedUrls).toEqual(["https://**"]);
    const agent = resolveConfig({ policy: "agent" }, ctx);
    expect(agent.dirs).toEqual([{ path: "/work/app", read: true, write: true, execute: false }]);
    expect(agent.denyCommands).toContain("sudo");
    expect(defaultConfig("strict", ctx).runtime.heap_size).toBe(32 * 1024 * 1024);
  });

  it("file fields override the tier one at a time", () => {
    const c = resolveConfig({ policy: "strict", runtime: { timeout_ms: 1234 } }, ctx);
    expect(c.runtime.timeout_ms).toBe(1234);
    expect(c.runtime.heap_size).toBe(TIERS.strict.runtime.heap_size);
  });

  it("returns a deeply frozen object", () => {
    const c = resolveConfig({ dirs: ["/data"], commands: { git: ["status"] } }, ctx);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.runtime)).toBe(true);
    expect(Object.isFrozen(c.dirs[0])).toBe(true);
    expect(Object.isFrozen(c.commands.git)).toBe(true);
    expect(() => {
      (c.runtime as { timeout_ms: number }).timeout_ms = 1;
    }).toThrow(TypeError);
  });

  it("accepts sizes as bytes or unit strings", () => {
    const c = resolveConfig(
      { runtime: { heap_size: "64mb", stack_size: 65536, max_output_bytes: "1.5k" } },
      ctx,
    );
    expect(c.runtime.heap_size).toBe(64 * 1024 * 1024);
    expect(c.runtime.stack_size).toBe(65536);
    expect(c.runtime.max_output_bytes).toBe(1536);
    expect(parseSize("2 GiB")).toBe(2 * 1024 ** 3);
    expect(parseSize("-1")).toBeUndefined();
    expect(parseSize(1.5)).toBeUndefined();
    expect(formatSize(64 * 1024 * 1024)).toBe("64mb");
  });

  it("derives wasm pages from a large heap unless pages are given", () => {
    const c = resolveConfig({ runtime: { heap_size: "1gb" } }, ctx);
    expect(c.runtime.max_memory_pages * 65536).toBeGreaterThan(c.runtime.heap_size);
    expect(fieldOf({ runtime: { heap_size: "1gb", max_memory_pages: 100 } })).toBe(
      "runtime.max_memory_pages",
    );
    expect(fieldOf({ runtime: { heap_size: "5gb" } })).toBe("runtime.heap_size");
  });
});

describe("resolveConfig: dirs", () => {
  it("expands ~, $HOME, ${HOME}, $PWD and normalises", () => {
    const c = resolveConfig(
      {
        dirs: [
          "~",
          "~/notes",
          "$HOME/a",
          "${HOME}/b/",
          { path: "$PWD/../out", write: true },
          "${PWD}",
        ],
      },
      ctx,
    );
    expect(c.dirs.map((d) => d.path)).toEqual([
      "/home/ada",
      "/home/ada/notes",
      "/home/ada/a",
      "/home/ada/b",
      "/work/out",
      "/work/app",
    ]);
    expect(c.dirs[4]).toEqual({ path: "/work/out", read: true, write: true, execute: false });
  });

  it("grants read only by default for a listed dir", () => {
    expect(resolveConfig({ dirs: ["/srv"] }, ctx).dirs[0]).toEqual({
      path: "/srv",
      read: true,
      write: false,
      execute: false,
    });
  });

  it.each([
    [["relative/dir"], "dirs[0]"],
    [[{ path: "./x" }], "dirs[0].path"],
    [["$FOO/x"], "dirs[0]"],
    [["~bob/x"], "dirs[0]"],
    [[""], "dirs[0]"],
    [["/ok", "/a\u0000b"], "dirs[1]"],
    [[{ path: "/x", read: "yes" }], "dirs[0].read"],
    [[{ path: "/x", writable: true }], "dirs[0].writable"],
    [[42], "dirs[0]"],
  ])("rejects %j at %s", (dirs, field) => {
    expect(fieldOf({ dirs })).toBe(field);
  });
});

describe("resolveConfig: every rule names its field", () => {
  it.each([
    [{ name: "" }, "name"],
    [{ name: 5 }, "name"],
    [{ policy: "lenient" }, "policy"],
    [{ runtime: { timeout_ms: -1 } }, "runtime.timeout_ms"],
    [{ runtime: { timeout_ms: 0 } }, "runtime.timeout_ms"],
    [{ runtime: { timeout_ms: 1.5 } }, "runtime.timeout_ms"],
    [{ runtime: { timeout_ms: "100" } }, "runtime.timeout_ms"],
    [{ runtime: { heap_size: "lots" } }, "runtime.heap_size"],
    [{ runtime: { heap_size: -5 } }, "runtime.heap_size"],
    [{ runtime: { heap_size: "100kb" } }, "runtime.heap_size"],
    [{ runtime: { stack_size: 100 } }, "runtime.stack_size"],
    [{ runtime: { max_instructions: -1 } }, "runtime.max_instructions"],
    [{ runtime: { max_memory_pages: 70000 } }, "runtime.max_memory_pages"],
    // The engine's memory stops at 2 GiB (32768 pages), not WebAssembly's 4 GiB.
    [{ runtime: { max_memory_pages: 32769 } }, "runtime.max_memory_pages"],
    [{ runtime: { heap_size: "3gb" } }, "runtime.heap_size"],
    [{ runtime: { max_output_bytes: true } }, "runtime.max_output_bytes"],
    [{ runtime: { timeout: 5 } }, "runtime.timeout"],
    [{ runtime: [] }, "runtime"],
    [{ env: ["GOOD", "BAD NAME"] }, "env[1]"],
    [{ env: "HOME" }, "env"],
    [{ allowCommands: ["/bin/sh"] }, "allowCommands[0]"],
    [{ denyCommands: [""] }, "denyCommands[0]"],
    [{ commands: { git: 1 } }, "commands.git"],
    [{ commands: { git: ["status", ""] } }, "commands.git[1]"],
    [{ allowedUrls: ["ftp://x.com/**"] }, "allowedUrls[0]"],
    [{ allowedUrls: ["https://a.com", "https://[::1"] }, "allowedUrls[1]"],
    [{ blockedUrls: ["https://a b.com"] }, "blockedUrls[0]"],
    [{ blockedUrls: ["https://user@a.com/"] }, "blockedUrls[0]"],
    [{ blockedUrls: ["https://a.com:99999/"] }, "blockedUrls[0]"],
    [{ blockedUrls: [""] }, "blockedUrls[0]"],
    [{ allowPrivateNetwork: "no" }, "allowPrivateNetwork"],
    [{ rateLimitRps: -1 }, "rateLimitRps"],
    [{ maxConnections: 0 }, "maxConnections"],
    [{ daemon: { port: 70000 } }, "daemon.port"],
    [{ daemon: { pool_size: -1 } }, "daemon.pool_size"],
    [{ daemon: { threads: 2 } }, "daemon.threads"],
    [{ polcy: "strict" }, "polcy"],
  ])("%j → %s", (input, field) => {
    expect(fieldOf(input)).toBe(field);
  });

  it("unknown fields suggest the right spelling", () => {
    expect(() => resolveConfig({ polcy: "strict" }, ctx)).toThrow(/did you mean "policy"/);
    expect(() => resolveConfig({ runtime: { timeoutMs: 1 } }, ctx)).toThrow(
      /did you mean "timeout_ms"/,
    );
  });

  it("collects every issue, first one in the message", () => {
    try {
      resolveConfig({ runtime: { timeout_ms: -1 }, env: [1] }, ctx);
      expect.unreachable();
    } catch (err) {
      const e = err as ConfigValidationError;
      expect(e.issues.map((i) => i.field).sort()).toEqual(["env[0]", "runtime.timeout_ms"]);
      expect(e.message).toMatch(/and 1 more/);
      expect(e).toBeInstanceOf(AirlockError);
    }
  });

  it.each([null, [], "x", 3, true])("rejects a non-object root %j", (input) => {
    expect(fieldOf(input)).toBe("(root)");
  });

  it("accepts valid URL globs", () => {
    const c = resolveConfig(
      {
        allowedUrls: [
          "*",
          "api.example.com",
          "*.example.com",
          "https://x.com/v1/**",
          "http://127.0.0.1:8080/*",
          "https://[::1]:443/",
          "*://{a,b}.com/**",
        ],
      },
      ctx,
    );
    expect(c.allowedUrls).toHaveLength(7);
  });
});
