import type * as Http from "node:http";
import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import type * as Https from "node:https";
import { createRequire } from "node:module";
import type { LookupFunction as NetLookupFunction } from "node:net";
import { nodeNet } from "./node-net.js";
import {
  EgressDeniedError,
  FetchFailedError,
  FetchRequestError,
  FetchTimeoutError,
  ResponseTooLargeError,
  TooManyRedirectsError,
} from "./errors.js";
import type { LookupFunction, NetPolicy, PinnedTarget } from "./policy.js";

// Loaded on first use: a sandbox that never fetches (most runs) should not pay for node:http,
// node:https and node:tls at start-up.
const require = createRequire(import.meta.url);
let httpModule: typeof Http | undefined;
let httpsModule: typeof Https | undefined;
const http = (): typeof Http => (httpModule ??= require("node:http") as typeof Http);
const https = (): typeof Https => (httpsModule ??= require("node:https") as typeof Https);

/** A request as the sandbox hands it over: plain data, nothing that could call back into the guest. */
export interface FetchRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: Uint8Array;
}

/** The response as plain data. Header names are lowercase; hop-by-hop headers are gone. */
export interface FetchResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: [string, string][];
  readonly body: Uint8Array;
  /** The final URL, after redirects. */
  readonly url: string;
  readonly redirected: boolean;
}

export interface FetchLimits {
  /** Deadline of the whole fetch, every redirect and the body included. */
  readonly timeoutMs: number;
  /** Largest response body accepted; a larger one aborts the connection. */
  readonly maxResponseBytes: number;
  /** Redirects followed before giving up; at most (and by default) 20, as fetch does. */
  readonly maxRedirects?: number;
  /** Replaces DNS (`dns.promises.lookup`); every answer is still checked by the policy. */
  readonly lookup?: LookupFunction;
  /** Extra trusted CA certificates (PEM) for TLS, e.g. a test CA or a corporate one. */
  readonly ca?: string | readonly string[];
  /** Cancels the fetch; it rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/** Connection-level headers: they describe one hop, never the request or response itself. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Request headers the executor sets itself: `host` must match the checked URL (else an allowed
 * IP could serve a different, forbidden virtual host), `content-length` must match the body,
 * `expect` would stall on a 100-continue the executor doesn't implement.
 */
const OWNED_REQUEST_HEADERS = new Set(["host", "content-length", "expect"]);

/** Dropped when a redirect turns the request into a body-less GET (fetch spec, HTTP-redirect fetch). */
const BODY_HEADERS = ["content-encoding", "content-language", "content-location", "content-type"];

/** Credentials that must not follow a redirect to another origin. */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);
const NORMALISED_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"]);

/**
 * Perform `request` on behalf of a sandbox, under `policy`. Every hop is checked with
 * `policy.resolve` (DNS once, every address checked) and connects to the pinned address only;
 * TLS still verifies the certificate against the host name. Redirects are followed by hand.
 *
 * Throws `EgressDeniedError` (a hop is denied), `FetchRequestError` (malformed request),
 * `FetchTimeoutError`, `ResponseTooLargeError`, `TooManyRedirectsError`, `EgressLimitError`,
 * `EgressLookupError`, or `FetchFailedError` (the network failed).
 */
export async function secureFetch(
  policy: NetPolicy,
  request: FetchRequest,
  limits: FetchLimits,
): Promise<FetchResponse> {
  checkLimits(limits);
  let url = typeof request?.url === "string" ? request.url : "";
  let method = checkMethod(request?.method);
  let headers = checkHeaders(request?.headers);
  let body = request?.body;
  if (body !== undefined && !(body instanceof Uint8Array)) {
    throw new FetchRequestError("request.body must be a Uint8Array or absent");
  }
  if (body !== undefined && (method === "GET" || method === "HEAD")) {
    throw new FetchRequestError(
      `a ${method} request cannot have a body; use POST or drop the body`,
    );
  }

  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new FetchTimeoutError(request.url, limits.timeoutMs)),
    limits.timeoutMs,
  );
  const signal = limits.signal
    ? AbortSignal.any([deadline.signal, limits.signal])
    : deadline.signal;
  const maxRedirects = limits.maxRedirects ?? MAX_REDIRECTS;
  try {
    for (let redirects = 0; ; redirects++) {
      signal.throwIfAborted();
      // Cheap check first, so a denied URL costs no rate-limit token and no DNS query.
      const early = policy.checkUrl(url);
      if (!early.allowed) throw new EgressDeniedError(url, early);
      using _slot = await policy.acquire({ signal });
      const pinned = await abortable(policy.resolve(url, { lookup: limits.lookup }), signal);
      if (!pinned.allowed) throw new EgressDeniedError(url, pinned);

      const hop = await send(pinned, method, headers, body, limits, signal);
      const location = hop.location;
      if (location === undefined) {
        return {
          status: hop.status,
          statusText: hop.statusText,
          headers: hop.headers,
          body: hop.body,
          url: pinned.url,
          redirected: redirects > 0,
        };
      }
      if (redirects >= maxRedirects) throw new TooManyRedirectsError(request.url, maxRedirects);
      let next: URL;
      try {
        next = new URL(location, pinned.url);
      } catch (error) {
        throw new FetchFailedError(
          pinned.url,
          `redirect to an invalid Location ${JSON.stringify(location)}`,
          {
            cause: error,
          },
        );
      }
      // Fetch spec, HTTP-redirect fetch: 301/302 turn POST into GET, 303 turns all but
      // GET/HEAD into GET; the body and the headers describing it go.
      if (
        ((hop.status === 301 || hop.status === 302) && method === "POST") ||
        (hop.status === 303 && method !== "GET" && method !== "HEAD")
      ) {
        method = "GET";
        body = undefined;
        headers = headers.filter(([name]) => !BODY_HEADERS.includes(name));
      }
      if (next.origin !== new URL(pinned.url).origin) {
        headers = headers.filter(([name]) => !CREDENTIAL_HEADERS.includes(name));
      }
      url = next.href;
    }
  } catch (error) {
    // An abort surfaces as whatever the socket saw; report the real reason.
    if (signal.aborted && !(error instanceof EgressDeniedError)) throw signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

interface Hop {
  readonly status: number;
  readonly statusText: string;
  readonly headers: [string, string][];
  readonly body: Uint8Array;
  /** Set when the response is a redirect to follow. */
  readonly location: string | undefined;
}

function send(
  pinned: PinnedTarget,
  method: string,
  headers: readonly [string, string][],
  body: Uint8Array | undefined,
  limits: FetchLimits,
  signal: AbortSignal,
): Promise<Hop> {
  const url = new URL(pinned.url);
  const secure = url.protocol === "https:";
  // Whatever name the socket layer asks about, it gets the address the policy checked:
  // there is no second DNS query for a rebinding server to answer differently.
  const lookup: NetLookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
  const raw: string[] = ["host", url.host];
  for (const [name, value] of headers) raw.push(name, value);
  const needsLength =
    body !== undefined || method === "POST" || method === "PUT" || method === "PATCH";
  if (needsLength) raw.push("content-length", String(body?.byteLength ?? 0));

  const options: RequestOptions & Https.RequestOptions = {
    host: pinned.hostname,
    port: pinned.port,
    path: `${url.pathname}${url.search}`,
    method,
    headers: raw as unknown as Http.OutgoingHttpHeaders,
    setHost: false,
    lookup,
    family: pinned.family,
    agent: false, // one connection per hop: no pooled socket outlives its policy check
    ...(secure
      ? {
          servername: nodeNet().isIP(pinned.hostname) === 0 ? pinned.hostname : undefined,
          rejectUnauthorized: true,
          ...(limits.ca !== undefined ? { ca: limits.ca as string | string[] } : {}),
        }
      : {}),
  };

  return new Promise<Hop>((resolve, reject) => {
    let settled = false;
    let req: ClientRequest;
    const finish = (error: unknown, hop?: Hop): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      if (error !== undefined) {
        req.destroy();
        reject(error);
      } else resolve(hop as Hop);
    };
    const onAbort = (): void => finish(signal.reason);
    try {
      req = (secure ? https() : http()).request(options);
    } catch (error) {
      reject(new FetchRequestError(`cannot send the request: ${(error as Error).message}`));
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("error", (error) =>
      finish(new FetchFailedError(pinned.url, describe(error), { cause: error })),
    );
    req.on("response", (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      const responseHeaders = responseHeaderPairs(res.rawHeaders);
      const base = { status, statusText: res.statusMessage ?? "", headers: responseHeaders };
      if (REDIRECTS.has(status) && typeof location === "string") {
        res.destroy(); // the redirect's body is never read
        finish(undefined, { ...base, body: new Uint8Array(0), location });
        return;
      }
      const declared = Number(res.headers["content-length"]);
      if (Number.isFinite(declared) && declared > limits.maxResponseBytes) {
        finish(new ResponseTooLargeError(pinned.url, limits.maxResponseBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > limits.maxResponseBytes) {
          finish(new ResponseTooLargeError(pinned.url, limits.maxResponseBytes));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => {
        const all = Buffer.concat(chunks, size);
        const bytes = new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
        finish(undefined, { ...base, body: bytes, location: undefined });
      });
      res.on("error", (error) =>
        finish(new FetchFailedError(pinned.url, describe(error), { cause: error })),
      );
      res.on("close", () => {
        if (!res.complete) {
          finish(
            new FetchFailedError(pinned.url, "the connection closed before the response ended"),
          );
        }
      });
    });
    req.end(
      body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    );
  });
}

function responseHeaderPairs(rawHeaders: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    pairs.push([(rawHeaders[i] as string).toLowerCase(), rawHeaders[i + 1] as string]);
  }
  const named = connectionTokens(pairs);
  return pairs.filter(([name]) => !HOP_BY_HOP.has(name) && !named.has(name));
}

/** Header names listed in `Connection:` are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(pairs: readonly (readonly [string, string])[]): Set<string> {
  const names = new Set<string>();
  for (const [name, value] of pairs) {
    if (name === "connection") {
      for (const token of value.split(",")) names.add(token.trim().toLowerCase());
    }
  }
  return names;
}

function checkMethod(method: unknown): string {
  if (typeof method !== "string" || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)) {
    throw new FetchRequestError(`request.method ${JSON.stringify(method)} is not an HTTP method`);
  }
  const upper = method.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) {
    throw new FetchRequestError(`the ${upper} method is forbidden; use GET, POST, …`);
  }
  return NORMALISED_METHODS.has(upper) ? upper : method;
}

function checkHeaders(headers: unknown): [string, string][] {
  if (!Array.isArray(headers)) {
    throw new FetchRequestError("request.headers must be a list of [name, value] pairs");
  }
  const pairs: [string, string][] = [];
  for (const entry of headers as unknown[]) {
    if (
      !Array.isArray(entry) ||
      entry.length !== 2 ||
      typeof entry[0] !== "string" ||
      typeof entry[1] !== "string"
    ) {
      throw new FetchRequestError("request.headers must be a list of [name, value] string pairs");
    }
    const name = entry[0].toLowerCase();
    const value = entry[1];
    try {
      http().validateHeaderName(name);
      http().validateHeaderValue(name, value);
    } catch {
      throw new FetchRequestError(
        `request header ${JSON.stringify(name.slice(0, 60))} has an invalid name or value (no CR, LF or NUL)`,
      );
    }
    pairs.push([name, value]);
  }
  const named = connectionTokens(pairs);
  return pairs.filter(
    ([name]) => !HOP_BY_HOP.has(name) && !OWNED_REQUEST_HEADERS.has(name) && !named.has(name),
  );
}

function checkLimits(limits: FetchLimits): void {
  if (typeof limits !== "object" || limits === null) {
    throw new FetchRequestError("limits must be an object with timeoutMs and maxResponseBytes");
  }
  const { timeoutMs, maxResponseBytes, maxRedirects } = limits;
  // setTimeout fires at once past 2^31-1 ms, so a huge deadline would mean no time at all.
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0) || !(timeoutMs <= 2_147_483_647)) {
    throw new FetchRequestError(
      `limits.timeoutMs must be 1–2147483647 ms, got ${String(timeoutMs)}`,
    );
  }
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 0) {
    throw new FetchRequestError(
      `limits.maxResponseBytes must be a whole number ≥ 0, got ${String(maxResponseBytes)}`,
    );
  }
  if (
    maxRedirects !== undefined &&
    (!Number.isInteger(maxRedirects) || maxRedirects < 0 || maxRedirects > MAX_REDIRECTS)
  ) {
    throw new FetchRequestError(
      `limits.maxRedirects must be 0–${MAX_REDIRECTS}, got ${String(maxRedirects)}`,
    );
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === "string" ? `${code} (${message})` : message;
}
