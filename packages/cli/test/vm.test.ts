import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBin } from "./helpers.js";

// Real microVMs (software emulation here): each boot takes a few seconds.
describe("airlock vm", () => {
  it("runs a command and passes its exit code and output through", () => {
    const r = runBin(["vm", "run", "--", "sh", "-c", "echo out; echo err >&2; exit 3"], {
      timeout: 120_000,
    });
    expect(r.stdout).toBe("out\n");
    expect(r.stderr).toContain("err\n");
    expect(r.code).toBe(3);
  }, 150_000);

  it("--mount gives the guest a host dir: rw writes reach the host, ro refuses writes", () => {
    const dir = mkdtempSync(join(tmpdir(), "airlock-cli-vm-"));
    writeFileSync(join(dir, "in.txt"), "from host\n");
    const rw = runBin(
      [
        "vm",
        "run",
        "--mount",
        `${dir}:/work:rw`,
        "--",
        "sh",
        "-c",
        "cat /work/in.txt && echo from guest > /work/out.txt",
      ],
      { timeout: 120_000 },
    );
    expect(rw.stdout).toBe("from host\n");
    expect(rw.code).toBe(0);
    expect(readFileSync(join(dir, "out.txt"), "utf8")).toBe("from guest\n");
    const ro = runBin(
      ["vm", "run", "--mount", `${dir}:/work:ro`, "--", "sh", "-c", "echo x > /work/denied.txt"],
      {
        timeout: 120_000,
      },
    );
    expect(ro.code).not.toBe(0);
    expect(ro.stderr).toMatch(/read-only file system/i);
    expect(() => readFileSync(join(dir, "denied.txt"))).toThrow();
  }, 300_000);

  it("bad flags are one-line usage errors before any VM boots", () => {
    const bad = runBin(["vm", "run", "--mount", "relative:/x", "--", "true"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^airlock: .*mount/m);
    const net = runBin(["vm", "run", "--allow-net", "nonsense", "--", "true"]);
    expect(net.code).toBe(2);
    expect(net.stderr).toMatch(/allow-net/);
  });
});
