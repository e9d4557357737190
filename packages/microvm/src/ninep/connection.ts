import type { Socket } from "node:net";
import type { FileSystem } from "@airlock/vfs";
import { MAX_MSIZE, NinePSession } from "./server.js";

/**
 * Serves 9P2000.L on a byte stream (the host end of a mount's virtio-serial port). Messages are
 * handled one at a time, in arrival order; a message larger than the negotiated size ends the
 * connection (the guest's mount then fails with EIO, the host is unaffected).
 */
export function serveNineP(socket: Socket, fs: FileSystem): NinePSession {
  const session = new NinePSession(fs);
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const take = (n: number): Buffer => {
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    const msg = all.subarray(0, n);
    const rest = all.subarray(n);
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
    return msg;
  };

  socket.on("data", (chunk: Buffer) => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    while (pendingBytes >= 4) {
      if (pending[0]!.length < 4) pending = [Buffer.concat(pending, pendingBytes)];
      const size = pending[0]!.readUInt32LE(0);
      if (size < 7 || size > Math.max(session.maxMessage, MAX_MSIZE)) {
        socket.destroy();
        session.close();
        return;
      }
      if (pendingBytes < size) break;
      // Copy: the reply may outlive this chunk, and a subarray would pin the whole read buffer.
      const msg = Buffer.from(take(size));
      if (!socket.write(session.handle(msg))) {
        socket.pause();
        socket.once("drain", () => socket.resume());
      }
    }
  });
  socket.on("close", () => session.close());
  socket.on("error", () => session.close());
  return session;
}
