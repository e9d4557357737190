import type { Socket } from "node:net";
import { FrameDecoder, encodeFrame, isDecodeFailure, type DecodeFailure } from "./codec.js";
import { ErrorCode, PROTOCOL_VERSION, type Frame, type FrameOf } from "./frames.js";

/** Receives what the guest sends about one exec. */
export interface ExecSink {
  stdout(data: Uint8Array): void;
  stderr(data: Uint8Array): void;
  exit(frame: FrameOf<"exit">): void;
  /** The guest could not start the command. */
  error(frame: FrameOf<"error">): void;
  /** The channel closed before the exit frame arrived. */
  lost(reason: Error): void;
}

/**
 * The host end of the control protocol over QEMU's virtio-serial chardev socket: the hello
 * handshake and exec multiplexing by id. It knows nothing about QEMU.
 */
export class ControlChannel {
  private readonly decoder = new FrameDecoder();
  private readonly sinks = new Map<number, ExecSink>();
  private nextId = 1;
  private helloWaiter: ((frame: FrameOf<"hello"> | Error) => void) | undefined;
  private closedReason: Error | undefined;
  /** Decode failures and id-less guest errors seen so far (newest last, at most 20). */
  readonly problems: string[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly onClosed: (reason: Error) => void,
    private readonly makeClosedError: () => Error,
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => {}); // 'close' follows and carries the consequence.
    socket.on("close", () => this.fail(this.makeClosedError()));
  }

  /** Sends hello and resolves with the guest's; each new connection must do this first. */
  hello(): Promise<FrameOf<"hello">> {
    return new Promise((resolve, reject) => {
      if (this.closedReason) return reject(this.closedReason);
      this.helloWaiter = (f) => (f instanceof Error ? reject(f) : resolve(f));
      this.send({
        type: "hello",
        version: PROTOCOL_VERSION,
        agent: "@airlock/microvm",
        unixMs: Date.now(),
      });
    });
  }

  /** Starts an exec; returns its id. Output and the end arrive through `sink`. */
  exec(frame: Omit<FrameOf<"exec">, "type" | "id">, sink: ExecSink): number {
    if (this.closedReason) throw this.closedReason;
    const id = this.nextId++;
    this.sinks.set(id, sink);
    this.send({ type: "exec", id, ...frame });
    return id;
  }

  send(frame: Frame, callback?: (err?: Error | null) => void): boolean {
    if (this.closedReason) {
      callback?.(this.closedReason);
      return false;
    }
    return this.socket.write(encodeFrame(frame), callback);
  }

  /** Resolves when the socket can take more (for stdin backpressure). */
  drained(): Promise<void> {
    return this.socket.writableNeedDrain && !this.closedReason
      ? new Promise((resolve) => {
          const done = () => {
            this.socket.off("drain", done);
            this.socket.off("close", done);
            resolve();
          };
          this.socket.on("drain", done);
          this.socket.on("close", done);
        })
      : Promise.resolve();
  }

  get running(): number {
    return this.sinks.size;
  }

  close(reason: Error): void {
    this.fail(reason);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.decoder.push(chunk);
    for (let f = this.decoder.next(); f !== undefined; f = this.decoder.next()) {
      if (isDecodeFailure(f)) this.onBadFrame(f);
      else this.onFrame(f);
    }
  }

  private onBadFrame(f: DecodeFailure): void {
    this.note(`undecodable frame from guest: ${f.message}`);
  }

  private onFrame(frame: Frame): void {
    switch (frame.type) {
      case "hello": {
        const waiter = this.helloWaiter;
        this.helloWaiter = undefined;
        if (frame.version !== PROTOCOL_VERSION) {
          waiter?.(new Error(`guest speaks protocol ${frame.version}, host ${PROTOCOL_VERSION}`));
        } else {
          waiter?.(frame);
        }
        return;
      }
      case "stdout":
        this.sinks.get(frame.id)?.stdout(frame.data);
        return;
      case "stderr":
        this.sinks.get(frame.id)?.stderr(frame.data);
        return;
      case "exit": {
        const sink = this.sinks.get(frame.id);
        this.sinks.delete(frame.id);
        sink?.exit(frame);
        return;
      }
      case "error": {
        const sink = this.sinks.get(frame.id);
        if (sink && frame.code === ErrorCode.spawnFailed) {
          this.sinks.delete(frame.id);
          sink.error(frame);
        } else if (frame.code === ErrorCode.unsupportedVersion && this.helloWaiter) {
          const waiter = this.helloWaiter;
          this.helloWaiter = undefined;
          waiter(new Error(frame.message));
        } else {
          this.note(`guest reported error ${frame.code} for id ${frame.id}: ${frame.message}`);
        }
        return;
      }
      default:
        this.note(`unexpected ${frame.type} frame from guest`);
    }
  }

  private note(problem: string): void {
    this.problems.push(problem);
    if (this.problems.length > 20) this.problems.shift();
  }

  private fail(reason: Error): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.helloWaiter?.(reason);
    this.helloWaiter = undefined;
    const sinks = [...this.sinks.values()];
    this.sinks.clear();
    for (const sink of sinks) sink.lost(reason);
    this.onClosed(reason);
  }
}
