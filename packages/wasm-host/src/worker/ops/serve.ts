/**
 * Ops of fetch-handler runs (`Sandbox.serve`): the guest reads the request and hands back the
 * response, both as plain data. Only a run started with a request may call them.
 */
import type { Op, OpContext } from "./types.js";
import { GuestError } from "./types.js";

function requestOf(ctx: OpContext) {
  const serve = ctx.req.serve;
  if (serve?.request == null) {
    throw new GuestError("ERR_AIRLOCK_NOT_SERVING", "this run was not started with a request");
  }
  return serve.request;
}

export const serveOps: Record<string, Op> = {
  "serve.request": {
    kind: "sync",
    run(_args, _bytes, ctx) {
      const r = requestOf(ctx);
      return { method: r.method, url: r.url, headers: r.headers, hasBody: r.body !== null };
    },
  },
  "serve.body": {
    kind: "sync",
    run(_args, _bytes, ctx) {
      return requestOf(ctx).body ?? new Uint8Array(0);
    },
  },
  "serve.fail": {
    kind: "sync",
    run(args, _bytes, ctx) {
      requestOf(ctx);
      let report: { text?: unknown; code?: unknown; message?: unknown; stack?: unknown } = {};
      try {
        report = JSON.parse(String(args[0])) as typeof report;
      } catch {
        // keep the defaults below
      }
      const str = (v: unknown, d: string) => (typeof v === "string" ? v : d);
      ctx.failRequest({
        text: str(report.text, "Uncaught error in the fetch handler\n"),
        code: str(report.code, "ERR_UNCAUGHT_EXCEPTION"),
        message: str(report.message, "the fetch handler failed"),
        ...(typeof report.stack === "string" ? { stack: report.stack } : {}),
      });
    },
  },
  "serve.respond": {
    kind: "sync",
    run(args, bytes, ctx) {
      requestOf(ctx);
      const [status, statusText, headers] = args as [unknown, unknown, unknown];
      if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599)
        throw new GuestError("ERR_INVALID_ARG_VALUE", "response status must be 200..599");
      const list: [string, string][] = [];
      if (Array.isArray(headers)) {
        for (const h of headers) {
          if (Array.isArray(h) && typeof h[0] === "string" && typeof h[1] === "string")
            list.push([h[0], h[1]]);
        }
      }
      ctx.respond({
        status,
        statusText: typeof statusText === "string" ? statusText : "",
        headers: list,
        body: bytes ?? new Uint8Array(0),
      });
    },
  },
};
