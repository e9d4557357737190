import type { FastifyError, FastifyInstance } from "fastify";
import { ApiError, PayloadTooLargeError, TooManyRequestsError } from "../errors.js";

interface AjvError {
  instancePath: string;
  /** Set on errors about an object's key (`propertyNames`). */
  propertyName?: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns a JSON Schema failure into the field it is about and a sentence saying what is wrong. */
export function describeValidation(
  errors: readonly AjvError[],
  where: string,
): { field: string; message: string } {
  const e = errors[0];
  if (!e) return { field: where, message: `${where} is invalid` };
  const path = e.instancePath.replace(/^\//, "").replaceAll("/", ".");
  if (e.propertyName !== undefined) {
    const field = [path, e.propertyName].filter(Boolean).join(".");
    return {
      field,
      message: `${path} key ${JSON.stringify(e.propertyName)} must be a JavaScript identifier of at most 64 characters`,
    };
  }
  switch (e.keyword) {
    case "required": {
      const field = [path, String(e.params.missingProperty)].filter(Boolean).join(".");
      return { field, message: `${field} is required` };
    }
    case "additionalProperties": {
      const field = [path, String(e.params.additionalProperty)].filter(Boolean).join(".");
      return { field, message: `${field} is not a known field of the ${where}` };
    }
    case "enum": {
      const allowed = (e.params.allowedValues as unknown[])
        .map((v) => JSON.stringify(v))
        .join(", ");
      return { field: path, message: `${path} must be one of ${allowed}` };
    }
    case "pattern":
      return { field: path, message: `${path} must match ${String(e.params.pattern)}` };
    default:
      return { field: path || where, message: `${path || where} ${e.message ?? "is invalid"}` };
  }
}

/** Every error leaves as `{ error: { code, message, field? } }` with a fitting status. */
export function installErrorHandlers(app: FastifyInstance, maxBodySize: number): void {
  app.setErrorHandler((err: FastifyError | ApiError | Error, request, reply) => {
    let apiError: ApiError;
    const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
    if (err instanceof ApiError) {
      apiError = err;
    } else if (fe.validation) {
      const where =
        fe.validationContext === "querystring" ? "query" : (fe.validationContext ?? "body");
      const { field, message } = describeValidation(fe.validation, where);
      apiError = new ApiError(400, "AIRLOCK_BAD_REQUEST", message, field || undefined);
    } else if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      apiError = new PayloadTooLargeError(maxBodySize);
    } else if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      apiError = new ApiError(
        415,
        "AIRLOCK_UNSUPPORTED_MEDIA_TYPE",
        "send the body as application/json",
      );
    } else if (fe.statusCode === 400 || fe.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
      apiError = new ApiError(
        400,
        "AIRLOCK_BAD_REQUEST",
        `the body is not valid JSON: ${err.message}`,
      );
    } else if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
      apiError = new ApiError(fe.statusCode, "AIRLOCK_BAD_REQUEST", err.message);
    } else {
      request.log.error({ err }, "unhandled error");
      apiError = new ApiError(
        500,
        "AIRLOCK_INTERNAL",
        `internal error; quote request id ${request.id} when reporting it`,
      );
    }
    if (apiError instanceof TooManyRequestsError) {
      void reply.header("retry-after", String(apiError.retryAfterS));
    }
    if (apiError.status === 401) void reply.header("www-authenticate", 'Bearer realm="airlock"');
    return reply.status(apiError.status).send({
      error: {
        code: apiError.code,
        message: apiError.message,
        ...(apiError.field ? { field: apiError.field } : {}),
      },
    });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: {
        code: "AIRLOCK_NOT_FOUND",
        message: `no route ${request.method} ${request.url.split("?")[0]}`,
      },
    }),
  );
}
