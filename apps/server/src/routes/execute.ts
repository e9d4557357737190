import type { FastifyInstance, FastifyReply } from "fastify";
import type { ExecutionService } from "../execution/service.js";
import type { ExecuteRequest, ExecutionResult, OutputChunk } from "../execution/types.js";
import { NotFoundError } from "../errors.js";
import { executeBody, idParams, streamBody } from "./schemas.js";
import { openEventStream, sseFrame } from "../http/sse.js";

/** Cancels the execution when the client goes away before its answer was written. */
function cancelOnDisconnect(reply: FastifyReply, service: ExecutionService, id: string): void {
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) service.cancel(id, "client disconnected");
  });
}

export function executeRoutes(
  app: FastifyInstance,
  service: ExecutionService,
  opts: { heartbeatMs: number },
): void {
  app.post<{ Body: ExecuteRequest & { wait?: boolean } }>(
    "/api/execute",
    { schema: { body: executeBody } },
    async (request, reply) => {
      const { wait, ...body } = request.body;
      const { id, done } = await service.submit(body, {
        apiKeyId: request.apiKeyId,
        requestId: request.id,
      });
      void reply.header("x-execution-id", id);
      if (wait === false)
        return reply.status(202).send(service.lookup(id) ?? { id, status: "queued" });
      cancelOnDisconnect(reply, service, id);
      return done;
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/api/execute/:id",
    { schema: { params: idParams } },
    async (request) => {
      const { id } = request.params;
      if (!service.cancel(id, `cancelled by DELETE (request ${request.id})`)) {
        throw new NotFoundError(
          `no queued or running execution ${id}; it may have finished already`,
        );
      }
      return { id, status: "cancelled" };
    },
  );

  app.post<{ Body: ExecuteRequest }>(
    "/api/execute/stream",
    { schema: { body: streamBody } },
    async (request, reply) => {
      // Chunks may arrive before the headers are out: hold them until then.
      const early: string[] = [];
      let open = false;
      const send = (event: string, data: unknown) => {
        const text = sseFrame(event, data);
        if (!open) early.push(text);
        else if (!reply.raw.destroyed) reply.raw.write(text);
      };
      // Refusals (429, 501) happen here and leave as ordinary JSON errors.
      const { id, done } = await service.submit(request.body, {
        apiKeyId: request.apiKeyId,
        requestId: request.id,
        onChunk: (chunk: OutputChunk) => send("chunk", chunk),
      });
      const raw = openEventStream(request, reply, {
        "x-accel-buffering": "no",
        "x-execution-id": id,
      });
      raw.write(sseFrame("queued", { id }));
      open = true;
      for (const text of early.splice(0)) raw.write(text);
      const heartbeat = setInterval(() => {
        if (!raw.destroyed) raw.write(": heartbeat\n\n");
      }, opts.heartbeatMs);
      let finished = false;
      raw.on("close", () => {
        clearInterval(heartbeat);
        if (!finished) service.cancel(id, "client disconnected");
      });
      let result: ExecutionResult;
      try {
        result = await done;
      } catch (err) {
        request.log.error({ err }, "stream failed");
        finished = true;
        raw.end(sseFrame("error", { code: "AIRLOCK_INTERNAL", message: "internal error" }));
        return;
      }
      finished = true;
      clearInterval(heartbeat);
      if (!raw.destroyed) raw.end(sseFrame("complete", result));
    },
  );
}
