// Pins the package's export lists (the table of contents, and the light client entry).
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect, it } from "vitest";
import * as api from "../src/index.js";
import * as client from "../src/client.js";

it("exports exactly these names", () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      "AppLoadError",
      "AppNotLoadedError",
      "AppRunner",
      "Daemon",
      "DaemonClient",
      "DaemonMetrics",
      "DaemonNotRunningError",
      "DaemonOptionError",
      "DaemonRequestError",
      "DaemonStartError",
      "SERVER_NODE_FLAGS",
      "UnsafeStatePathError",
      "checkSocket",
      "daemonSocketPresent",
      "ensureDaemon",
      "ensureStateDir",
      "errors",
      "listenHttp",
      "readApp",
      "serveApp",
      "stateDir",
    ].sort(),
  );
});

it("the client entry exports the client only", () => {
  expect(Object.keys(client).sort()).toEqual([
    "DaemonClient",
    "SERVER_NODE_FLAGS",
    "daemonSocketPresent",
    "ensureDaemon",
    "errors",
    "stateDir",
  ]);
});

it("the built client entry imports neither the engine nor prom-client (CLI start-up)", () => {
  // Walk dist/client.js's static imports: every `airlock run` loads this graph.
  const seen = new Set<string>();
  const bare = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) walk(fileURLToPath(new URL(spec, pathToFileURL(file))));
      else bare.add(spec);
    }
  };
  walk(fileURLToPath(new URL("../dist/client.js", import.meta.url)));
  expect(seen.size).toBeGreaterThan(1);
  for (const spec of bare) expect(spec).toMatch(/^(node:|@airlock\/config\/errors$)/);
});
