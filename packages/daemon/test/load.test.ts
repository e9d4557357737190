// A small load test that runs in CI: autocannon against `serveApp` for a few seconds; every
// response must be a 200 with the right body. No throughput assertion (the machine is shared).
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { expect, it } from "vitest";
import { serveApp } from "../src/index.js";

const app = fileURLToPath(new URL("./fixtures/hello.mjs", import.meta.url));

for (const recycle of [false, true]) {
  it(`serves a burst with no errors and every response correct (recycle: ${recycle})`, async () => {
    const s = await serveApp(app, { port: 0, poolSize: 4, workers: 2, recycle });
    try {
      const r = await autocannon({
        url: `${s.url}/load`,
        connections: 4,
        duration: 2,
        expectBody: "hello /load",
      });
      expect(r.requests.total).toBeGreaterThan(0);
      expect(r.errors).toBe(0);
      expect(r.timeouts).toBe(0);
      expect(r.non2xx).toBe(0);
      expect(r.mismatches).toBe(0);
      expect(s.stats().served).toBeGreaterThanOrEqual(r.requests.total);
    } finally {
      await s.close();
    }
  });
}
