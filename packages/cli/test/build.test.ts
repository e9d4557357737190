import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBin } from "./helpers.js";

function appDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "airlock-build-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const FIB = `function fib(n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }
function label(s) { return "fib=" + s; }
console.log(fib(Number(process.argv[2])));
if (process.argv[3]) console.log(label(process.argv[3]));
`;

describe("airlock build", { timeout: 60_000 }, () => {
  it("builds a fib app; `airlock run app.airlock 30` prints the answer; --explain lists fib as frozen", () => {
    const dir = appDir({ "fib.js": FIB });
    const b = runBin(["build", dir, "--explain"], { cwd: dir });
    expect(b.stderr).toBe("");
    expect(b.code).toBe(0);
    // Not a terminal: plain lines, one per finished step.
    expect(b.stdout).toMatch(/^resolve: done in \d+ ms {2}fib\.js$/m);
    expect(b.stdout).toMatch(/^bundle: done in \d+ ms/m);
    expect(b.stdout).toMatch(/^freeze: done in \d+ ms {2}1 function, \d+ bytes of wasm$/m);
    expect(b.stdout).toMatch(/^fib: frozen \(int32 \+ f64 paths\)$/m);
    expect(b.stdout).toMatch(/^label: not frozen — .+$/m);
    expect(b.stdout).toMatch(/^wrote app\.airlock \(\d+ bytes; frozen: fib\)$/m);

    const r = runBin(["run", join(dir, "app.airlock"), "30"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("832040\n");
    expect(r.code).toBe(0);

    const again = runBin(["build", dir, "-o", "again.airlock"], { cwd: dir });
    expect(again.stdout).toMatch(/^bundle: cached/m);
    expect(again.stdout).toMatch(/^freeze: cached/m);
  });

  it("the embedded config applies: a frozen infinite loop ends at its 500 ms timeout (124)", () => {
    const dir = appDir({
      "main.js": `function spin(n) { while (true) { n = n + 1; } return n; }\nspin(0);\n`,
      "airlock.json": JSON.stringify({ runtime: { timeout_ms: 500 } }),
    });
    const b = runBin(["build", dir, "-o", "spin.airlock"], { cwd: dir });
    expect(b.stdout).toMatch(/frozen: spin\)$/m);
    const t0 = Date.now();
    const r = runBin(["run", join(dir, "spin.airlock")]);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/^airlock: timeout: run exceeded its 500 ms/m);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it("deny: a tampered artifact is refused before anything runs", () => {
    const dir = appDir({ "fib.js": FIB });
    expect(runBin(["build", "fib.js", "-o", "fib.airlock"], { cwd: dir }).code).toBe(0);
    const file = join(dir, "fib.airlock");
    const bytes = readFileSync(file);
    const at = bytes.indexOf("console.log");
    bytes[at] = "C".charCodeAt(0);
    writeFileSync(file, bytes);
    const r = runBin(["run", file, "10"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^airlock: .*fib\.airlock: the bundle section does not match its hash/,
    );
  });

  it("deny: a missing app is a one-line error", () => {
    const r = runBin(["build", "/nonexistent/app"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^airlock: \/nonexistent\/app: no such file or directory/);
  });
});
