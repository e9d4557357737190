/**
 * `fetch`: the guest's `fetch` through `@airlock/netpolicy`'s `secureFetch` with the run's
 * policy. Time is bounded by the run's deadline, the body by a quarter of its heap; a pending
 * fetch keeps the run's loop alive (it is an async op) and is aborted when the run ends.
 */
import { AirlockError } from "@airlock/config/errors";
import { EgressDeniedError, secureFetch } from "@airlock/netpolicy";
import { capsOf } from "./caps.js";
import { GuestError, type Op } from "./types.js";

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const encoder = new TextEncoder();

/** Packs `[u32 header length][JSON header][body]`: one byte payload carries both. */
export function frame(header: unknown, body: Uint8Array): Uint8Array {
  const head = encoder.encode(JSON.stringify(header));
  const out = new Uint8Array(4 + head.byteLength + body.byteLength);
  new DataView(out.buffer).setUint32(0, head.byteLength);
  out.set(head, 4);
  out.set(body, 4 + head.byteLength);
  return out;
}

export const fetchOps: Record<string, Op> = {
  fetch: {
    kind: "async",
    async run(args, bytes, ctx) {
      const caps = capsOf(ctx);
      const [url, method, headers] = args as [string, string, [string, string][]];
      const timeoutMs = Math.max(1, Math.floor(ctx.timeLeft()));
      const maxResponseBytes = Math.min(
        MAX_RESPONSE_BYTES,
        Math.floor(ctx.req.limits.heapBytes / 4),
      );
      try {
        const res = await secureFetch(
          caps.policy,
          {
            url: String(url),
            method: String(method || "GET"),
            headers: Array.isArray(headers) ? headers.map(([k, v]) => [String(k), String(v)]) : [],
            ...(bytes !== undefined ? { body: bytes } : {}),
          },
          { timeoutMs, maxResponseBytes, signal: caps.ended },
        );
        const { body, ...head } = res;
        return frame(head, body);
      } catch (err) {
        if (err instanceof EgressDeniedError) {
          throw new GuestError(
            "ERR_AIRLOCK_EGRESS_DENIED",
            `egress to ${err.url} denied by ${err.decision.rule}: ${err.decision.reason}`,
            { rule: err.decision.rule },
          );
        }
        if (err instanceof AirlockError) throw new GuestError(`ERR_${err.code}`, err.message);
        throw new GuestError("ERR_AIRLOCK_FETCH_FAILED", "the request failed");
      }
    },
  },
};
