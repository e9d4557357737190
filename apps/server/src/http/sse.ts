import type { FastifyReply, FastifyRequest } from "fastify";
import type { ServerResponse } from "node:http";

/** One Server-Sent Events frame: `event: name` plus the JSON data. */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Takes the response over from fastify and opens an event stream on it, keeping the headers fastify's
 * hooks already set (CORS, request id). Returns the raw response to write frames to.
 */
export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  extraHeaders: Record<string, string> = {},
): ServerResponse {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-request-id": request.id,
    ...extraHeaders,
  });
  return raw;
}
