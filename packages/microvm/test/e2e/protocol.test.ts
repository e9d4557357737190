import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { resolveImage } from "../../src/artifacts.js";
import { FrameDecoder, encodeFrame, isDecodeFailure } from "../../src/control/codec.js";
import { ErrorCode, PROTOCOL_VERSION, type Frame } from "../../src/control/frames.js";
import { launchQemu, qemuArgs } from "../../src/qemu.js";

// Talks to a real guest init over its virtio-serial port with hand-made bytes, below the
// MicroVm API: malformed frames must get error frames, never kill PID 1.

class RawPeer {
  private readonly decoder = new FrameDecoder();
  private readonly queue: Frame[] = [];
  private waiter: (() => void) | undefined;
  constructor(readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.decoder.push(d);
      for (let f = this.decoder.next(); f !== undefined; f = this.decoder.next()) {
        if (isDecodeFailure(f)) throw new Error(`guest sent an undecodable frame: ${f.message}`);
        this.queue.push(f);
      }
      this.waiter?.();
    });
  }
  async next(): Promise<Frame> {
    while (this.queue.length === 0) await new Promise<void>((r) => (this.waiter = r));
    return this.queue.shift()!;
  }
  send(bytes: Uint8Array | Frame): void {
    this.socket.write(bytes instanceof Uint8Array ? bytes : encodeFrame(bytes));
  }
}

it("guest init answers malformed frames with error frames and keeps serving", async () => {
  const dir = mkdtempSync(join(tmpdir(), "airlock-raw-"));
  const sock = join(dir, "ctl.sock");
  const server = createServer();
  await new Promise<void>((r) => server.listen(sock, r));
  const qemu = launchQemu(
    qemuArgs({
      image: resolveImage(),
      accel: "tcg",
      cpus: 1,
      memoryMiB: 256,
      writableRoot: false,
      hostname: "raw",
      controlSocket: sock,
      extraKernelArgs: [],
    }),
  );
  const exited = new Promise((r) => qemu.once("exit", r));
  try {
    const peer = new RawPeer(await new Promise<Socket>((r) => server.once("connection", r)));
    peer.send({ type: "hello", version: PROTOCOL_VERSION, agent: "raw-test", unixMs: Date.now() });
    expect(await peer.next()).toMatchObject({ type: "hello", version: PROTOCOL_VERSION });

    peer.send(Buffer.from("07000000c8030000000102", "hex")); // unknown type 200, id 3
    expect(await peer.next()).toMatchObject({ type: "error", code: ErrorCode.unknownType, id: 3 });
    peer.send(Buffer.from("07000000080100000009ff", "hex")); // kill with a trailing byte
    expect(await peer.next()).toMatchObject({ type: "error", code: ErrorCode.malformed, id: 1 });
    peer.send({ type: "stdout", id: 4, data: new Uint8Array(1) }); // a guest → host frame
    expect(await peer.next()).toMatchObject({ type: "error", code: ErrorCode.malformed, id: 4 });
    peer.send({ type: "kill", id: 99, signal: 9 });
    expect(await peer.next()).toMatchObject({ type: "error", code: ErrorCode.unknownId, id: 99 });
    peer.send({ type: "hello", version: PROTOCOL_VERSION + 1, agent: "future", unixMs: 0 });
    expect(await peer.next()).toMatchObject({ type: "hello", version: PROTOCOL_VERSION });
    expect(await peer.next()).toMatchObject({ type: "error", code: ErrorCode.unsupportedVersion });

    // Still serving: an exec runs, and a duplicate id while it runs is refused.
    const exec = {
      type: "exec" as const,
      id: 5,
      stdin: false,
      timeoutMs: 0,
      cwd: "/",
      env: [] as string[],
    };
    peer.send({ ...exec, argv: ["sh", "-c", "sleep 0.3; echo ok"] });
    peer.send({ ...exec, argv: ["true"] });
    expect(await peer.next()).toMatchObject({ type: "error", code: ErrorCode.duplicateId, id: 5 });
    expect(await peer.next()).toEqual({
      type: "stdout",
      id: 5,
      data: new TextEncoder().encode("ok\n"),
    });
    expect(await peer.next()).toEqual({ type: "exit", id: 5, code: 0, signal: 0, timedOut: false });

    // shutdown ends the VM by itself.
    peer.send({ type: "shutdown" });
    await exited;
  } finally {
    qemu.kill("SIGKILL");
    await exited;
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
