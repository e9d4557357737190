/**
 * The HTTP face of an app (`airlock serve`, `airlock up --port`): each request becomes a plain
 * `Request` for the app's `fetch` handler in a fresh sandbox; `/healthz` and `/metrics` are
 * answered by the daemon itself. The response body is buffered (the guest has no streams).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DaemonMetrics } from "./metrics.js";
import type { AppRunner } from "./runner.js";

export interface HttpOptions {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Request bodies above this get 413. Default 8 MiB. */
  maxBodyBytes?: number;
  /** Where guest stderr of failed requests and other notes go. */
  log?: (line: string) => void;
}

/** Headers Node manages itself or that describe the connection, not the response. */
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"]);

const STATUS_OF: Record<string, number> = {
  timeout: 504,
  out_of_memory: 503,
  output_limit: 502,
  killed: 503,
  error: 500,
  ok: 500, // ok without a response cannot happen (the run becomes an error); defensive
};

function readBody(req: IncomingMessage, max: number): Promise<Uint8Array | null | "too-large"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        resolve("too-large");
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(size === 0 ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function text(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(body);
}

/** Starts an HTTP server for `runner`; resolves once it listens. Close it with `server.close()`. */
export async function listenHttp(
  runner: AppRunner,
  metrics: DaemonMetrics,
  options: HttpOptions,
): Promise<{ server: Server; port: number; url: string }> {
  const max = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const log = options.log ?? (() => undefined);
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      log(`request failed: ${(err as Error).message}`);
      if (!res.headersSent) text(res, 500, "Internal Server Error\n");
      else res.destroy();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const received = performance.now();
    const path = req.url ?? "/";
    if (path === "/healthz") return text(res, 200, "ok\n");
    if (path === "/metrics") {
      const m = await metrics.scrape();
      res.writeHead(200, { "content-type": m.contentType });
      return res.end(m.body);
    }
    const method = req.method ?? "GET";
    const body = method === "GET" || method === "HEAD" ? null : await readBody(req, max);
    if (body === "too-large") {
      metrics.requests.inc({ app: runner.name, status: "413" });
      return text(res, 413, `request body over ${max} bytes\n`, { connection: "close" });
    }
    const headers: [string, string][] = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
      headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    const url = `http://${req.headers.host ?? "localhost"}${path.startsWith("/") ? path : `/${path}`}`;
    const done = await runner.handle({ method, url, headers, body }, received);
    if (done.kind === "busy") {
      metrics.requests.inc({ app: runner.name, status: "429" });
      return text(res, 429, "busy: too many requests queued; retry later\n", {
        "retry-after": String(done.retryAfterS),
      });
    }
    const { result } = done;
    const r = result.response;
    if (r === undefined) {
      const status = STATUS_OF[result.status] ?? 500;
      metrics.requests.inc({ app: runner.name, status: String(status) });
      log(`${method} ${path}: ${result.status}: ${result.error?.message ?? ""}\n${result.stderr}`);
      return text(
        res,
        status,
        `${result.status === "timeout" ? "Gateway Timeout" : "Internal Server Error"}\n`,
      );
    }
    const out: string[] = [];
    for (const [k, v] of r.headers) if (!HOP.has(k.toLowerCase())) out.push(k, v);
    out.push("content-length", String(r.body.byteLength));
    res.writeHead(r.status, r.statusText || undefined, out);
    res.end(method === "HEAD" ? undefined : r.body);
    metrics.requests.inc({ app: runner.name, status: String(r.status) });
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.keepAliveTimeout = 5_000;
  const port = (server.address() as AddressInfo).port;
  return { server, port, url: `http://${options.host ?? "127.0.0.1"}:${port}` };
}
