// Property tests: random path strings and random operation sequences never reach the host
// outside the granted root. What the package hands to the host is observed directly: node:fs
// functions are wrapped (re-synced into the ESM bindings with syncBuiltinESMExports) and every
// host path they receive must lie under the root.
import fc from "fast-check";
import * as fs from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVfs, hostDir, memoryFs, resolveSandboxPath, VfsError } from "../src/index.js";
import { cleanup, makeTree, SECRET, snapshot, type Tree } from "./helpers.js";

const cjsFs = createRequire(import.meta.url)("node:fs") as Record<string, unknown>;
const WATCHED = [
  "openSync",
  "mkdirSync",
  "symlinkSync",
  "renameSync",
  "unlinkSync",
  "rmdirSync",
  "readdirSync",
  "lstatSync",
  "statSync",
  "readlinkSync",
  "realpathSync",
  "statfsSync",
  "truncateSync",
  "rmSync",
  "writeFileSync",
  "readFileSync",
] as const;
const originals = new Map(
  WATCHED.map((name) => [name, cjsFs[name] as (...args: unknown[]) => unknown]),
);

/** Host paths the package passed to node:fs while recording. */
let seen: string[] = [];
let recording = false;

beforeAll(() => {
  for (const name of WATCHED) {
    const original = originals.get(name) as (...args: unknown[]) => unknown;
    // symlinkSync(target, path): the target is a string written into the link, checked separately.
    const pathArgs = name === "symlinkSync" ? [1] : name === "renameSync" ? [0, 1] : [0];
    cjsFs[name] = function (this: unknown, ...args: unknown[]) {
      if (recording)
        for (const i of pathArgs) if (typeof args[i] === "string") seen.push(args[i] as string);
      return original.apply(this, args);
    };
  }
  syncBuiltinESMExports();
});

afterAll(() => {
  for (const name of WATCHED) cjsFs[name] = originals.get(name);
  syncBuiltinESMExports();
});

const within = (p: string, dir: string) => p === dir || p.startsWith(dir + "/");

// --- generators ---

const SEGMENTS = [
  "..",
  ".",
  "",
  "a",
  "b",
  "sub",
  "new",
  "file.txt",
  "inner.txt",
  "secret.txt",
  "outside",
  "root",
  "link-in",
  "link-abs-in",
  "link-out",
  "link-abs-out",
  "link-dir-out",
  "link-proc",
  "loop-a",
  "self",
  "hard.txt",
  "fifo",
  "．．",
  "\u2025",
  "\uFF0E",
  "..\\",
  "%2e%2e",
  ". .",
  "...",
  "PROJECT",
  "proc",
  "<root>",
  "<outside>",
  "<base>",
  "a\0b",
  "\uD800",
];
// Named segments, or a short random Unicode string (any code point, `/` and NUL included).
const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SEGMENTS) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 4 }) },
);
const rawPath = fc
  .tuple(
    fc.constantFrom("", "/", "/project/", "/project/sub/", "/tmp/"),
    fc.array(segment, { maxLength: 7 }),
    fc.boolean(),
  )
  .map(([start, parts, slash]) => start + parts.join("/") + (slash ? "/" : ""));

type Op =
  | {
      op:
        | "read"
        | "stat"
        | "lstat"
        | "readdir"
        | "readlink"
        | "realpath"
        | "rm"
        | "unlink"
        | "rmdir"
        | "truncate";
      p: string;
    }
  | { op: "write" | "append" | "excl"; p: string }
  | { op: "mkdir"; p: string; recursive: boolean }
  | { op: "symlink"; target: string; p: string }
  | { op: "rename"; p: string; q: string }
  | { op: "fd"; p: string; flags: "r" | "r+" | "w" | "a" | "wx" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constantFrom(
      "read",
      "stat",
      "lstat",
      "readdir",
      "readlink",
      "realpath",
      "rm",
      "unlink",
      "rmdir",
      "truncate",
    ),
    p: rawPath,
  }) as fc.Arbitrary<Op>,
  fc.record({ op: fc.constantFrom("write", "append", "excl"), p: rawPath }) as fc.Arbitrary<Op>,
  fc.record({ op: fc.constant("mkdir"), p: rawPath, recursive: fc.boolean() }) as fc.Arbitrary<Op>,
  fc.record({ op: fc.constant("symlink"), target: rawPath, p: rawPath }) as fc.Arbitrary<Op>,
  fc.record({ op: fc.constant("rename"), p: rawPath, q: rawPath }) as fc.Arbitrary<Op>,
  fc.record({
    op: fc.constant("fd"),
    p: rawPath,
    flags: fc.constantFrom("r", "r+", "w", "a", "wx"),
  }) as fc.Arbitrary<Op>,
);

// --- the property ---

function substitute(p: string, tree: Tree): string {
  return p
    .replaceAll("<root>", tree.root.slice(1))
    .replaceAll("<outside>", tree.outside.slice(1))
    .replaceAll("<base>", tree.base.slice(1));
}

function run(ops: readonly Op[]): void {
  // No FIFO here (mkfifo is a process per run); host-dir.test.ts covers FIFOs.
  const tree = makeTree({ fifo: false });
  const outsideBefore = snapshot(tree.outside);
  const vfs = createVfs({
    mounts: { "/project": hostDir(tree.root, { read: true, write: true }), "/tmp": memoryFs() },
    cwd: "/project",
  });
  const data = new TextEncoder().encode("PWNED");
  const outputs: unknown[] = [];
  try {
    seen = [];
    recording = true;
    for (const o of ops) {
      const p = substitute(o.p, tree);
      try {
        switch (o.op) {
          case "read":
            outputs.push(new TextDecoder().decode(vfs.readFile(p)));
            break;
          case "stat":
            outputs.push(vfs.stat(p));
            break;
          case "lstat":
            outputs.push(vfs.lstat(p));
            break;
          case "readdir":
            outputs.push(vfs.readdir(p, { withFileTypes: true }));
            break;
          case "readlink":
            outputs.push(vfs.readlink(p));
            break;
          case "realpath":
            outputs.push(vfs.realpath(p));
            break;
          case "rm":
            vfs.rm(p, { recursive: true });
            break;
          case "unlink":
            vfs.unlink(p);
            break;
          case "rmdir":
            vfs.rmdir(p);
            break;
          case "truncate":
            vfs.truncate(p, 1);
            break;
          case "write":
            vfs.writeFile(p, data);
            break;
          case "append":
            vfs.writeFile(p, data, { append: true });
            break;
          case "excl":
            vfs.writeFile(p, data, { exclusive: true });
            break;
          case "mkdir":
            vfs.mkdir(p, { recursive: o.recursive });
            break;
          case "symlink":
            vfs.symlink(substitute(o.target, tree), p);
            break;
          case "rename":
            vfs.rename(p, substitute(o.q, tree));
            break;
          case "fd": {
            const fd = vfs.open(p, o.flags);
            const buf = new Uint8Array(64);
            try {
              if (o.flags !== "r") vfs.write(fd, data);
              if (o.flags === "r" || o.flags === "r+")
                outputs.push(
                  new TextDecoder().decode(buf.subarray(0, vfs.read(fd, buf, 0, 64, 0))),
                );
            } finally {
              vfs.close(fd);
            }
            break;
          }
        }
      } catch (error) {
        // Only typed, guest-safe failures; the message holds no host path the guest did not write.
        if (!(error instanceof VfsError)) throw error;
        const wrote =
          p.includes(tree.base.slice(1)) ||
          ("target" in o && substitute(o.target, tree).includes(tree.base.slice(1))) ||
          ("q" in o && substitute(o.q, tree).includes(tree.base.slice(1)));
        if (!wrote) expect(error.message).not.toContain(tree.base);
      }
    }
    recording = false;

    // 1. Every host path handed to node:fs is the root or below it.
    for (const hostPath of seen) {
      if (hostPath.startsWith("/proc/self/fd/")) continue;
      expect(within(path.resolve(hostPath), tree.root), `host path ${hostPath}`).toBe(true);
    }
    // 2. Nothing read comes from outside.
    expect(JSON.stringify(outputs)).not.toContain(SECRET);
    for (const out of outputs) if (typeof out === "string") expect(out).not.toContain(tree.base);
    // 3. Nothing outside changed, nothing appeared beside the root.
    expect(snapshot(tree.outside)).toEqual(outsideBefore);
    expect(fs.readdirSync(tree.base).sort()).toEqual(["outside", "root"]);
    // 4. Every link in the root is one planted before, or cannot point outside from anywhere.
    const visit = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) visit(full);
        if (!entry.isSymbolicLink()) continue;
        const target = fs.readlinkSync(full);
        if (tree.escapingTargets.has(target)) continue;
        const ok = target.startsWith("/")
          ? within(target, tree.root)
          : !target.split("/").includes("..");
        expect(ok, `link ${full} -> ${target}`).toBe(true);
      }
    };
    visit(tree.root);
  } finally {
    recording = false;
    vfs.dispose();
    cleanup(tree.base);
  }
}

describe("property: nothing outside the root is ever reached", () => {
  it("random operation sequences over hostile path strings", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 10 }), (ops) => run(ops)),
      { numRuns: 300 },
    );
  }, 120_000);

  it("resolveSandboxPath always yields a normalised absolute path that routes to its prefix", () => {
    const mounts = ["/project", "/project/sub", "/tmp"];
    fc.assert(
      fc.property(rawPath, fc.constantFrom("/", "/project", "/project/sub/a"), (p, cwd) => {
        let resolved: string;
        try {
          resolved = resolveSandboxPath(p, cwd);
        } catch (error) {
          expect(error).toBeInstanceOf(VfsError);
          // Only empty paths, NUL bytes and lone surrogates are refused.
          expect(p === "" || p.includes("\0") || /[\uD800-\uDFFF]/.test(p)).toBe(true);
          return;
        }
        expect(resolved.startsWith("/")).toBe(true);
        const parts = resolved.split("/").slice(1);
        if (resolved !== "/")
          expect(parts.every((s) => s !== "" && s !== "." && s !== "..")).toBe(true);
        expect(resolveSandboxPath(resolved)).toBe(resolved);
        const mount = mounts
          .filter((m) => within(resolved, m))
          .sort((a, b) => b.length - a.length)[0];
        if (mount !== undefined) expect(resolved.slice(0, mount.length)).toBe(mount);
      }),
      { numRuns: 2000 },
    );
  });
});
