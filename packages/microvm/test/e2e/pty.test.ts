import { afterAll, beforeAll, expect, it } from "vitest";
import { createMicroVm, VmOptionsError, type MicroVm, type VmProcess } from "../../src/index.js";

// A real guest with a pseudo-terminal: `airlock vm shell`'s interactive mode rests on these.

let vm: MicroVm;
beforeAll(async () => {
  vm = await createMicroVm({ hostname: "pty" });
});
afterAll(async () => {
  await vm?.close();
});

/** Collects a terminal's output and waits for patterns in what arrived after the last match. */
function screen(proc: VmProcess) {
  let text = "";
  let from = 0;
  let wake: (() => void) | undefined;
  proc.stdout.on("data", (c: Buffer) => {
    text += c.toString("utf8");
    wake?.();
  });
  return {
    async waitFor(re: RegExp, ms = 10_000): Promise<RegExpExecArray> {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = re.exec(text.slice(from));
        if (m) {
          from += m.index + m[0].length;
          return m;
        }
        if (Date.now() > deadline)
          throw new Error(`no ${re} in terminal output: ${JSON.stringify(text)}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 200);
        });
      }
    },
  };
}

it("runs sh on a /dev/pts terminal of the requested size and follows resize", async () => {
  const proc = vm.spawn({ argv: ["sh"], pty: { rows: 33, cols: 91 }, env: { PS1: "pty$ " } });
  const term = screen(proc);
  await term.waitFor(/pty\$ /);
  proc.stdin!.write("tty; echo t=$?\n");
  // The terminal echoes the typed line; the answer is the path on a line of its own.
  expect((await term.waitFor(/\r\n(\/dev\/pts\/\d+)\r\nt=0\r\n/))[1]).toMatch(/^\/dev\/pts\/\d+$/);
  proc.stdin!.write("stty size\n");
  await term.waitFor(/\r\n33 91\r\n/);
  proc.resize(44, 120);
  proc.stdin!.write("stty size\n");
  await term.waitFor(/\r\n44 120\r\n/);
  proc.stdin!.write("exit 7\n");
  expect(await proc.exited).toEqual({ exitCode: 7, signal: null, timedOut: false });
  expect(() => proc.resize(0, 80)).toThrow(VmOptionsError);
});

it("Ctrl-C on the terminal interrupts the foreground command with SIGINT", async () => {
  const proc = vm.spawn({
    argv: ["sh", "-c", "echo ready; exec sleep 100"],
    pty: { rows: 24, cols: 80 },
  });
  const term = screen(proc);
  await term.waitFor(/ready/);
  const t0 = Date.now();
  proc.stdin!.write("\x03");
  expect(await proc.exited).toMatchObject({ exitCode: null, signal: "SIGINT", timedOut: false });
  expect(Date.now() - t0).toBeLessThan(5_000);
});

it("a pipe process has no terminal and refuses resize", async () => {
  const r = await vm.exec({ argv: ["sh", "-c", "tty; stty size"] });
  expect(r.stdout).toContain("not a tty");
  expect(r.exitCode).not.toBe(0);
  const proc = vm.spawn({ argv: ["true"] });
  expect(() => proc.resize(24, 80)).toThrow(VmOptionsError);
  await proc.exited;
});
