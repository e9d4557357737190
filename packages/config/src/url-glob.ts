/**
 * Syntax check for the URL globs of `allowedUrls`/`blockedUrls`. The matching itself belongs to
 * `@airlock/netpolicy`; here we only refuse patterns that could never mean what the author intended.
 *
 * Accepted: `*` (everything), a host pattern (`api.example.com`, `*.example.com`, `[::1]`, `10.0.0.1`),
 * optionally with a scheme (`http://`, `https://`, `*://`), a port (`:443`, `:*`) and a path (`/v1/**`).
 */
export function checkUrlGlob(glob: string): string | undefined {
  const example = "e.g. https://api.example.com/** or *.example.com";
  if (glob.length === 0) return `is empty; write a URL pattern, ${example}`;
  if (/[\s\u0000-\u001f\u007f]/.test(glob))
    return `"${glob}" contains whitespace or control characters`;
  if (glob === "*" || glob === "**") return undefined;
  let rest = glob;
  const scheme = /^([A-Za-z*][A-Za-z0-9+.*-]*):\/\//.exec(rest);
  if (scheme) {
    const s = scheme[1]!.toLowerCase();
    if (s !== "http" && s !== "https" && s !== "*") {
      return `"${glob}": scheme must be http, https or *; ${example}`;
    }
    rest = rest.slice(scheme[0].length);
  } else if (rest.includes("://")) {
    return `"${glob}" has a malformed scheme; ${example}`;
  }
  let braces = 0;
  let brackets = 0;
  for (const ch of rest) {
    if (ch === "{") braces++;
    else if (ch === "}") braces--;
    else if (ch === "[") brackets++;
    else if (ch === "]") brackets--;
    if (braces < 0 || brackets < 0 || braces > 1 || brackets > 1) break;
  }
  if (braces !== 0 || brackets !== 0) return `"${glob}" has unbalanced brackets or braces`;
  const slash = rest.indexOf("/");
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  if (authority.includes("@")) return `"${glob}" contains user info (@); write only the host`;
  const hostPort = /^(\[[0-9A-Fa-f:.*]+\]|[A-Za-z0-9.*_{},-]+)(?::(\d{1,5}|\*))?$/.exec(authority);
  if (!hostPort) return `"${glob}" has an invalid host part "${authority}"; ${example}`;
  const port = hostPort[2];
  if (port !== undefined && port !== "*" && Number(port) > 65535) {
    return `"${glob}": port ${port} is out of range (0-65535)`;
  }
  return undefined;
}
