import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startServer, type TestServer } from "./helpers/server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ sseHeartbeatMs: 100 });
});
afterAll(() => t.close());

interface SseEvent {
  event: string;
  data: any;
}

/** Reads an SSE response, calling `onEvent` per event; heartbeat comments are counted. */
async function readSse(res: Response, onEvent: (e: SseEvent) => boolean | void) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let heartbeats = 0;
  const events: SseEvent[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let at: number;
    while ((at = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      if (block.startsWith(":")) {
        heartbeats++;
        continue;
      }
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null");
      events.push({ event, data });
      if (onEvent({ event, data }) === true) {
        await reader.cancel();
        return { events, heartbeats };
      }
    }
  }
  return { events, heartbeats };
}

describe("POST /api/execute/stream", () => {
  it("streams queued, output chunks as they are written, heartbeats, then complete", async () => {
    const res = await t.req("/api/execute/stream", {
      body: {
        code: "console.log('one'); console.error('warn'); const end = Date.now() + 350; while (Date.now() < end) {} console.log('two')",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const id = res.headers.get("x-execution-id");
    const { events, heartbeats } = await readSse(res, () => undefined);
    expect(events[0]).toEqual({ event: "queued", data: { id } });
    const chunks = events.filter((e) => e.event === "chunk").map((e) => e.data);
    expect(chunks).toEqual(
      expect.arrayContaining([
        { stream: "stdout", data: expect.stringContaining("one") },
        { stream: "stderr", data: expect.stringContaining("warn") },
        { stream: "stdout", data: expect.stringContaining("two") },
      ]),
    );
    const complete = events.at(-1)!;
    expect(complete.event).toBe("complete");
    expect(complete.data).toMatchObject({
      id,
      status: "completed",
      output: "one\ntwo\n",
      stderr: "warn\n",
    });
    expect(heartbeats).toBeGreaterThanOrEqual(1);
  });

  it("refusals before the stream opens are ordinary JSON errors", async () => {
    const res = await t.req("/api/execute/stream", { body: { code: "1", engine: "microvm" } });
    expect(res.status).toBe(501);
    expect(((await res.json()) as any).error.code).toBe("AIRLOCK_ENGINE_UNAVAILABLE");
    const bad = await t.req("/api/execute/stream", { body: { code: "1", wait: false } });
    expect(bad.status).toBe(400);
  });

  it("a client that disconnects mid-run aborts the sandbox: audit status cancelled, long before the timeout", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const res = await t.req("/api/execute/stream", {
      // Output is flushed when a task ends: print, yield, then spin forever.
      body: { code: "console.log('started'); setTimeout(() => { for(;;){} }, 0)", timeout: 20_000 },
      signal: controller.signal,
    });
    const id = res.headers.get("x-execution-id")!;
    await readSse(res, (e) => e.event === "chunk");
    controller.abort();
    const row = await eventually(async () => {
      const r = (await (await t.req(`/api/audit/execution/${id}`)).json()) as any;
      return r.status === "cancelled" ? r : undefined;
    });
    expect(row.errorMessage).toMatch(/client disconnected/);
    await eventually(async () => (t.server.queue.stats().running === 0 ? true : undefined));
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 15_000);

  it("a client that stays connected gets the full run (allow beside the deny above)", async () => {
    const res = await t.req("/api/execute/stream", {
      body: { code: "for (let i = 0; i < 3; i++) console.log(i)" },
    });
    const { events } = await readSse(res, () => undefined);
    expect(events.at(-1)).toMatchObject({
      event: "complete",
      data: { status: "completed", output: "0\n1\n2\n" },
    });
  });
});
