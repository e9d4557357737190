import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { BIN, runBin } from "./helpers.js";

it("airlock server starts the service, answers /health and executes code, stops on SIGTERM", async () => {
  const db = join(mkdtempSync(join(tmpdir(), "airlock-cli-server-")), "audit.sqlite");
  const child = spawn(process.execPath, [BIN, "server", "--port", "0", "--db", db], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const address = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening at (http:\/\/[\d.:]+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`server exited ${code}: ${out}`)));
      setTimeout(() => reject(new Error(`no listening line: ${out}`)), 30_000);
    });
    const health = await fetch(`${address}/health`);
    expect(health.status).toBe(200);
    const res = await fetch(`${address}/api/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: "console.log(6 * 7)" }),
    });
    const body = (await res.json()) as { status: string; output: string };
    expect(body.status).toBe("completed");
    expect(body.output).toBe("42\n");
  } finally {
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }
}, 60_000);

it("a bad service setting is one line and exit 2", () => {
  const r = runBin(["server", "--port", "http"]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/PORT/);
});
