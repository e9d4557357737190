import { expect, it } from "vitest";
import * as netpolicy from "../src/index.js";

it("pins the export list", () => {
  expect(Object.keys(netpolicy).sort()).toEqual([
    "EgressDeniedError",
    "EgressLimitError",
    "EgressLookupError",
    "FetchFailedError",
    "FetchRequestError",
    "FetchTimeoutError",
    "NetPolicyRuleError",
    "ResponseTooLargeError",
    "TooManyRedirectsError",
    "acceptHost",
    "acceptPublicInternet",
    "acceptTcp",
    "createNetPolicy",
    "errors",
    "netPolicyFromConfig",
    "secureFetch",
  ]);
  expect(Object.keys(netpolicy.errors).sort()).toEqual([
    "EgressDeniedError",
    "EgressLimitError",
    "EgressLookupError",
    "FetchFailedError",
    "FetchRequestError",
    "FetchTimeoutError",
    "NetPolicyRuleError",
    "ResponseTooLargeError",
    "TooManyRedirectsError",
  ]);
});

it("every error is an AirlockError with an AIRLOCK_ code", async () => {
  const { AirlockError } = await import("@airlock/config");
  const denied = new netpolicy.EgressDeniedError("http://x/", {
    allowed: false,
    rule: "default-deny",
    reason: "r",
  });
  expect(denied).toBeInstanceOf(AirlockError);
  expect(denied.code).toBe("AIRLOCK_EGRESS_DENIED");
  expect(denied.name).toBe("EgressDeniedError");
  expect(denied.message).toContain("default-deny");
});

it("rule factories return frozen, tagged plain data", () => {
  expect(netpolicy.acceptTcp({ cidr: "10.0.0.0/8", ports: [5432] })).toEqual({
    kind: "tcp",
    cidr: "10.0.0.0/8",
    ports: [5432],
  });
  expect(netpolicy.acceptPublicInternet({ ports: "*" })).toEqual({
    kind: "public-internet",
    ports: "*",
  });
  expect(netpolicy.acceptHost({ host: "a.com", ports: [443] })).toEqual({
    kind: "host",
    host: "a.com",
    ports: [443],
  });
  expect(Object.isFrozen(netpolicy.acceptPublicInternet({ ports: "*" }))).toBe(true);
});
