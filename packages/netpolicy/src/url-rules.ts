import type { UrlTarget } from "./canonical.js";
import { DEFAULT_PORT, canonicalPath } from "./canonical.js";
import { NetPolicyRuleError } from "./errors.js";
import { GlobSyntaxError, compileGlob } from "./glob.js";

/**
 * One entry of `allowedUrls` / `blockedUrls`, compiled. Forms:
 * - `*` — every http(s) URL;
 * - `https://host[:port][/path]` — that scheme only;
 * - `host[:port][/path]` — http and https.
 * A missing path means `/**`. A missing port means the scheme's default port in an allow rule
 * and *any* port in a block rule (blocking a site must not be dodged with `:8443`); `:*` is any.
 */
/** Something that says yes or no to a canonical host or path. */
export interface Matcher {
  test(text: string): boolean;
}

export interface UrlRule {
  readonly raw: string;
  readonly index: number;
  readonly allowAll: boolean;
  readonly schemes: readonly ("http:" | "https:")[];
  readonly port: number | "*" | "default";
  /** The canonical host when the rule names exactly one (no wildcard): only such rules grant private addresses. */
  readonly literalHost: string | undefined;
  readonly host: Matcher;
  readonly path: Matcher;
}

export function parseUrlRule(raw: unknown, field: string, index: number): UrlRule {
  const fail = (hint: string): never => {
    throw new NetPolicyRuleError(field, index, typeof raw === "string" ? raw : undefined, hint);
  };
  if (typeof raw !== "string") return fail(`must be a string, got ${typeof raw}`);
  if (raw.trim() === "") {
    return fail('empty rule: remove it, or write a URL glob such as "https://api.example.com/**"');
  }
  if (/\s/.test(raw))
    return fail("contains whitespace: remove it (write a space in a path as %20)");
  if (raw === "*") {
    return {
      raw,
      index,
      allowAll: true,
      schemes: ["http:", "https:"],
      port: "*",
      literalHost: undefined,
      host: { test: () => true },
      path: { test: () => true },
    };
  }

  let schemes: readonly ("http:" | "https:")[] = ["http:", "https:"];
  let rest = raw;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw);
  if (scheme && raw.slice(scheme[0].length).startsWith("//")) {
    const name = (scheme[1] as string).toLowerCase();
    if (name !== "http" && name !== "https") {
      return fail(
        `only http:// and https:// URLs can be matched, not ${name}://; for other TCP traffic use acceptTcp or acceptHost`,
      );
    }
    schemes = [`${name}:` as "http:" | "https:"];
    rest = raw.slice(scheme[0].length + 2);
  } else if (raw.includes("://")) {
    return fail('the scheme must be "http://" or "https://"');
  }

  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const pathText = slash < 0 ? "/**" : rest.slice(slash);
  if (authority.includes("@")) {
    return fail('rules name hosts, not credentials: remove the "user@" part');
  }

  let hostText = authority;
  let portText: string | undefined;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0) return fail('unbalanced "[": an IPv6 address is written like "[2001:db8::1]"');
    hostText = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) {
      return fail('after "]" only ":port" may follow');
    }
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = authority.indexOf(":");
    if (colon >= 0) {
      if (authority.indexOf(":", colon + 1) >= 0) {
        return fail('write an IPv6 address in brackets, like "http://[2001:db8::1]/**"');
      }
      hostText = authority.slice(0, colon);
      portText = authority.slice(colon + 1);
    }
  }
  if (hostText === "")
    return fail('the host is missing; write one, like "https://api.example.com/**"');

  let port: UrlRule["port"] = "default";
  if (portText !== undefined) {
    if (portText === "*") port = "*";
    else if (/^\d{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65535) {
      port = Number(portText);
    } else {
      return fail(
        `port ${JSON.stringify(portText)} is out of range: use 1–65535, or * for any port`,
      );
    }
  }

  let host: { glob: Matcher; literal: string | undefined };
  let path: Matcher;
  try {
    host = compileHostPattern(hostText);
    if (!pathText.startsWith("/")) return fail('the path must start with "/"');
    path = compileGlob(pathText, "path", canonicalPath);
  } catch (error) {
    if (error instanceof GlobSyntaxError) return fail(error.message);
    throw error;
  }
  return {
    raw,
    index,
    allowAll: false,
    schemes,
    port,
    literalHost: host.literal,
    host: host.glob,
    path,
  };
}

/**
 * Compile a host pattern into the canonical host form of `UrlTarget.host`. A host without
 * wildcards goes through WHATWG `URL` like the URLs it will meet (IDN, numeric IPv4, IPv6);
 * one with wildcards must be ASCII (write IDN labels in punycode).
 */
export function compileHostPattern(text: string): {
  glob: Matcher;
  literal: string | undefined;
} {
  if (/[@/?#\\%\s]/.test(text)) {
    throw new GlobSyntaxError(`${JSON.stringify(text)} is not a host name or host pattern`);
  }
  if (text.includes(":") && !text.startsWith("[")) {
    throw new GlobSyntaxError(
      `${JSON.stringify(text)} is not a host: give the port separately, and write IPv6 in brackets`,
    );
  }
  if (!/[*{},]/.test(text)) {
    let hostname: string;
    try {
      hostname = new URL(`http://${text}/`).hostname;
    } catch {
      throw new GlobSyntaxError(
        `${JSON.stringify(text)} is not a valid host name or IP address; check its spelling`,
      );
    }
    const literal = hostname.replace(/\.+$/, "");
    if (literal === "") throw new GlobSyntaxError("the host is empty");
    return { glob: { test: (host) => host === literal }, literal };
  }
  const lower = text.toLowerCase().replace(/\.+$/, "");
  if (!/^[a-z0-9\-_.*{},]+$/.test(lower)) {
    throw new GlobSyntaxError(
      'host patterns may hold letters, digits, "-", "_", ".", "*" and {a,b} only; write non-ASCII labels in punycode',
    );
  }
  return { glob: compileGlob(lower, "host", (run) => run), literal: undefined };
}

/** Whether `rule` matches `target`; `mode` decides what a rule without a port means. */
export function urlRuleMatches(rule: UrlRule, target: UrlTarget, mode: "allow" | "block"): boolean {
  if (rule.allowAll) return true;
  if (!rule.schemes.includes(target.scheme)) return false;
  if (rule.port === "default") {
    if (mode === "allow" && target.port !== DEFAULT_PORT[target.scheme]) return false;
  } else if (rule.port !== "*" && rule.port !== target.port) {
    return false;
  }
  const hostOk =
    rule.literalHost !== undefined ? rule.literalHost === target.host : rule.host.test(target.host);
  return hostOk && rule.path.test(target.path);
}
