// An app's code crosses to a worker once: later requests name the app and the worker uses the
// code it kept (a bundle of megabytes is not cloned per request). The two ends keep the same
// bounded set of apps; after an eviction the code is sent again. Real worker, the public API,
// with the pool's messages observed.
import { afterAll, describe, expect, it } from "vitest";
import { configureWorkerPool, createSandbox, shutdownWorkers } from "../src/index.js";
import { sharedPool } from "../src/pool.js";
import { APP_CODE_CACHE_SIZE, type RunRequest, type ToWorker } from "../src/protocol.js";

afterAll(async () => {
  await shutdownWorkers();
  configureWorkerPool({ size: 2 });
});

const app = (name: string) =>
  `export default { fetch(req) { return new Response(${JSON.stringify(name)} + " " + new URL(req.url).pathname); } };`;

describe("app code sent once per worker", () => {
  it("sends the code with the first request only, and again after the app was evicted", async () => {
    await shutdownWorkers();
    configureWorkerPool({ size: 1 });
    const pool = await sharedPool();
    const worker = (pool as unknown as { slots: { worker: { postMessage(m: ToWorker): void } }[] })
      .slots[0]!.worker;
    const sent: RunRequest[] = [];
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (m: ToWorker) => {
      if (m.type === "run") sent.push(m);
      post(m);
    };
    await using sb = await createSandbox();
    const serve = async (name: string, path: string) => {
      const r = await sb.serve(app(name), { method: "GET", url: `http://app.test${path}` });
      return new TextDecoder().decode(r.response?.body);
    };

    for (let i = 0; i < 3; i++) expect(await serve("a", `/${i}`)).toBe(`a /${i}`);
    expect(sent.map((m) => [m.code === app("a"), m.codeRef === true])).toEqual([
      [true, false],
      [false, true],
      [false, true],
    ]);
    expect(sent[1]!.code).toBe("");

    // Enough other apps to push "a" out of both ends' caches (oldest first).
    for (let i = 0; i < APP_CODE_CACHE_SIZE; i++) expect(await serve(`b${i}`, "/")).toBe(`b${i} /`);
    sent.length = 0;
    expect(await serve("a", "/again")).toBe("a /again");
    expect(await serve("a", "/once-more")).toBe("a /once-more");
    expect(sent.map((m) => m.codeRef === true)).toEqual([false, true]);
    expect(sent[0]!.code).toBe(app("a"));
  });
});
