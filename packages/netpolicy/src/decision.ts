/**
 * The outcome of one policy check, as plain data (safe to log, to send across a worker boundary,
 * and to attach to an error). `rule` names what decided: `allowedUrls[0] "https://api.example.com/**"`,
 * `blockedUrls[2] "https://evil.com/**"`, `default-deny`, `private-range 10.0.0.0/8`, `scheme`, ….
 */
export interface Decision {
  readonly allowed: boolean;
  readonly rule: string;
  readonly reason: string;
}

export function allow(rule: string, reason: string): Decision {
  return { allowed: true, rule, reason };
}

export function deny(rule: string, reason: string): Decision {
  return { allowed: false, rule, reason };
}

/** `allowedUrls[3] "https://x/**"`: the form every rule-decided decision uses. */
export function ruleName(field: string, index: number, raw: string): string {
  return `${field}[${index}] ${JSON.stringify(raw)}`;
}
