import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type AirlockServer } from "../../src/app.js";
import type { ServerSettings } from "../../src/env.js";

export interface TestServer {
  url: string;
  server: AirlockServer;
  dir: string;
  dbPath: string;
  close(): Promise<void>;
  /** fetch relative to the server, JSON body and bearer key when given. */
  req(
    path: string,
    init?: {
      method?: string;
      body?: unknown;
      key?: string;
      headers?: Record<string, string>;
      signal?: AbortSignal;
    },
  ): Promise<Response>;
}

/** A real server on 127.0.0.1 with a fresh SQLite file in a temp dir. */
export async function startServer(settings: Partial<ServerSettings> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "airlock-server-"));
  const dbPath = join(dir, "audit.db");
  const server = await createServer({
    settings: {
      port: 0,
      host: "127.0.0.1",
      databasePath: dbPath,
      queueConcurrency: 2,
      ...settings,
    },
    logger: false,
  });
  const url = await server.listen();
  return {
    url,
    server,
    dir,
    dbPath,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
    req(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.body !== undefined) headers["content-type"] ??= "application/json";
      if (init.key) headers.authorization = `Bearer ${init.key}`;
      return fetch(url + path, {
        method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
        headers,
        ...(init.body !== undefined
          ? { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) }
          : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    },
  };
}

/** Polls until `check` returns a value, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
