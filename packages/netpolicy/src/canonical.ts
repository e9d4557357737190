import { nodeNet } from "./node-net.js";

/**
 * One URL in the canonical form rules are matched against. WHATWG `URL` does the heavy lifting
 * (lowercase, IDN → punycode, IPv4 in decimal/octal/hex → dotted quad, IPv6 compressed, dot
 * segments resolved, default port dropped); this adds what it leaves alone.
 */
export interface UrlTarget {
  readonly url: URL;
  readonly scheme: "http:" | "https:";
  /** Lowercase ASCII host without trailing dots; IPv6 in brackets (`[::1]`). */
  readonly host: string;
  /** The IP when the host is an IP literal (IPv6 without brackets), else undefined. */
  readonly ip: string | undefined;
  readonly family: 0 | 4 | 6;
  /** Effective port: the scheme's default when the URL names none. */
  readonly port: number;
  /** Canonical path (see `canonicalPath`); the query is never part of matching. */
  readonly path: string;
}

export const DEFAULT_PORT = { "http:": 80, "https:": 443 } as const;

export type ParsedTarget =
  | { readonly ok: true; readonly target: UrlTarget }
  | { readonly ok: false; readonly rule: string; readonly reason: string };

export function parseTarget(input: string): ParsedTarget {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, rule: "invalid-url", reason: "not an absolute URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return {
      ok: false,
      rule: "scheme",
      reason: `only http: and https: URLs may be fetched, not ${url.protocol}`,
    };
  }
  const scheme = url.protocol;
  // "example.com." is the same DNS name as "example.com": rules must not be dodged by a dot.
  const host = url.hostname.replace(/\.+$/, "");
  if (host === "") return { ok: false, rule: "invalid-url", reason: "the URL has no host" };
  let ip: string | undefined;
  let family: 0 | 4 | 6 = 0;
  if (host.startsWith("[")) {
    ip = host.slice(1, -1);
    family = 6;
  } else if (nodeNet().isIP(host) === 4) {
    ip = host;
    family = 4;
  }
  const port = url.port === "" ? DEFAULT_PORT[scheme] : Number(url.port);
  const path = canonicalPath(url.pathname);
  if (path.split("/").some((segment) => segment === "." || segment === "..")) {
    return {
      ok: false,
      rule: "ambiguous-path",
      reason:
        "the path has an encoded slash (%2F or %5C) that makes a '.' or '..' segment; servers disagree on what it means",
    };
  }
  return { ok: true, target: { url, scheme, host, ip, family, port, path } };
}

/**
 * Canonical text of a path (or of a literal run of a path rule): `%XX` of an ASCII byte is decoded
 * (servers decode it, so `/%61dmin` must meet a rule for `/admin`), except `%25` so decoding
 * never merges with the next characters; other escapes get uppercase hex; non-ASCII characters
 * are UTF-8 percent-encoded, as WHATWG does in URLs; a backslash counts as a slash, as many
 * servers treat it.
 */
export function canonicalPath(text: string): string {
  let out = "";
  for (let i = 0; i < text.length;) {
    const c = text[i] as string;
    if (c === "%" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      const byte = parseInt(text.slice(i + 1, i + 3), 16);
      if (byte < 0x80 && byte !== 0x25) out += byte === 0x5c ? "/" : String.fromCharCode(byte);
      else out += `%${text.slice(i + 1, i + 3).toUpperCase()}`;
      i += 3;
      continue;
    }
    const code = text.codePointAt(i) as number;
    if (code > 0x7f) {
      const char = String.fromCodePoint(code);
      for (const byte of new TextEncoder().encode(char)) {
        out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
      }
      i += char.length;
      continue;
    }
    out += c === "\\" ? "/" : c;
    i++;
  }
  return out;
}
