import { AirlockError } from "@airlock/config/errors";
import type { Decision } from "./decision.js";

/**
 * A rule or option given to `createNetPolicy` (or a rule factory) is malformed. `field` is where
 * (`allowedUrls`, `rules`, `rateLimitRps`), `index` the position in that list when it is one.
 */
export class NetPolicyRuleError extends AirlockError {
  readonly field: string;
  readonly index: number | undefined;
  readonly rule: string | undefined;
  readonly hint: string;
  constructor(field: string, index: number | undefined, rule: string | undefined, hint: string) {
    const where = index === undefined ? field : `${field}[${index}]`;
    const shown = rule === undefined ? "" : ` ${JSON.stringify(rule)}`;
    super("AIRLOCK_NETPOLICY_RULE", `${where}${shown}: ${hint}`);
    this.field = field;
    this.index = index;
    this.rule = rule;
    this.hint = hint;
  }
}

/** The policy refused a connection. `decision.rule` names the rule that decided. */
export class EgressDeniedError extends AirlockError {
  readonly url: string;
  readonly decision: Decision;
  constructor(url: string, decision: Decision) {
    super(
      "AIRLOCK_EGRESS_DENIED",
      `egress to ${clip(url)} denied by ${decision.rule}: ${decision.reason}`,
    );
    this.url = url;
    this.decision = decision;
  }
}

/** DNS resolution of an allowed host failed or returned nothing usable. */
export class EgressLookupError extends AirlockError {
  readonly hostname: string;
  constructor(hostname: string, detail: string, options?: ErrorOptions) {
    super(
      "AIRLOCK_EGRESS_DNS",
      `cannot resolve ${clip(hostname)} (${detail}); check the name or the host's DNS`,
      options,
    );
    this.hostname = hostname;
  }
}

/**
 * `acquire()` could not get a rate-limit token or a connection slot within the bounded wait
 * (or too many callers were already waiting). `limit` says which limit was hit.
 */
export class EgressLimitError extends AirlockError {
  readonly limit: "rate" | "connections" | "waiters";
  constructor(limit: "rate" | "connections" | "waiters", detail: string) {
    super("AIRLOCK_EGRESS_LIMIT", detail);
    this.limit = limit;
  }
}

/** The request handed to `secureFetch` (or its limits) is malformed. */
export class FetchRequestError extends AirlockError {
  constructor(detail: string) {
    super("AIRLOCK_FETCH_INVALID", detail);
  }
}

/** The network failed underneath an allowed request (refused, reset, TLS, bad redirect target). */
export class FetchFailedError extends AirlockError {
  readonly url: string;
  constructor(url: string, detail: string, options?: ErrorOptions) {
    super("AIRLOCK_FETCH_FAILED", `fetch ${clip(url)} failed: ${detail}`, options);
    this.url = url;
  }
}

/** The whole fetch (every redirect hop included) took longer than `limits.timeoutMs`. */
export class FetchTimeoutError extends AirlockError {
  readonly timeoutMs: number;
  constructor(url: string, timeoutMs: number) {
    super(
      "AIRLOCK_FETCH_TIMEOUT",
      `fetch ${clip(url)} took longer than ${timeoutMs} ms; raise timeoutMs or fix the server`,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** The response body exceeded `limits.maxResponseBytes`; the connection was aborted. */
export class ResponseTooLargeError extends AirlockError {
  readonly maxResponseBytes: number;
  constructor(url: string, maxResponseBytes: number) {
    super(
      "AIRLOCK_FETCH_TOO_LARGE",
      `response from ${clip(url)} exceeds ${maxResponseBytes} bytes; raise maxResponseBytes or fetch less`,
    );
    this.maxResponseBytes = maxResponseBytes;
  }
}

/** More redirects than allowed (fetch's limit is 20). */
export class TooManyRedirectsError extends AirlockError {
  readonly maxRedirects: number;
  constructor(url: string, maxRedirects: number) {
    super(
      "AIRLOCK_FETCH_REDIRECTS",
      `more than ${maxRedirects} redirects starting at ${clip(url)}; the server is looping`,
    );
    this.maxRedirects = maxRedirects;
  }
}

/** Keep messages readable when a guest passes a megabyte-long URL. */
function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
