import { createConnection, type Socket } from "node:net";

/** A minimal QMP client: one command at a time, events ignored. */
export class Qmp {
  private buffer = "";
  private pending: { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
  private greeted!: Promise<void>;

  private constructor(private readonly socket: Socket) {}

  /** Connects (retrying while QEMU creates the socket) and negotiates capabilities. */
  static async connect(path: string, timeoutMs = 10_000): Promise<Qmp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = createConnection(path, () => resolve(s));
          s.once("error", reject);
        });
        const qmp = new Qmp(socket);
        qmp.start();
        await qmp.greeted;
        await qmp.execute("qmp_capabilities");
        return qmp;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  private start(): void {
    let greet!: () => void;
    this.greeted = new Promise((r) => (greet = r));
    this.socket.setEncoding("utf8");
    this.socket.on("data", (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as {
          QMP?: unknown;
          return?: unknown;
          error?: { desc: string };
          event?: string;
        };
        if (msg.QMP) greet();
        else if (msg.event) continue;
        else if (this.pending) {
          const p = this.pending;
          this.pending = undefined;
          if (msg.error) p.reject(new Error(`QMP: ${msg.error.desc}`));
          else p.resolve(msg.return);
        }
      }
    });
    this.socket.on("close", () => this.pending?.reject(new Error("QMP connection closed")));
    this.socket.on("error", () => {});
  }

  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(
        JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + "\n",
      );
    });
  }

  /** Polls `query-migrate` until the migration completes; throws if it fails. */
  async waitForMigration(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = (await this.execute("query-migrate")) as {
        status?: string;
        "error-desc"?: string;
      };
      if (info.status === "completed") return;
      if (info.status === "failed" || info.status === "cancelled") {
        throw new Error(`migration ${info.status}: ${info["error-desc"] ?? "no detail"}`);
      }
      if (Date.now() > deadline)
        throw new Error(`migration still ${info.status ?? "unknown"} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
