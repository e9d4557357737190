import { createHash, timingSafeEqual } from "node:crypto";

/** A configured API key as the server keeps it: never the key itself, only its SHA-256. */
export interface ApiKeyEntry {
  /** Public, stable id for logs and audit rows: the first 12 hex digits of the hash. */
  readonly id: string;
  readonly sha256: string;
  readonly digest: Buffer;
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest();

/**
 * The set of accepted API keys. Plain keys are hashed at construction and dropped; a presented key is
 * hashed too and compared with every entry in constant time (no early exit), so neither the comparison
 * nor the loop leaks which key or how much of it matched.
 */
export class KeyRing {
  readonly entries: readonly ApiKeyEntry[];

  constructor(keys: readonly string[]) {
    const seen = new Map<string, ApiKeyEntry>();
    for (const key of keys) {
      const digest = sha256(key);
      const hex = digest.toString("hex");
      seen.set(hex, { id: `key_${hex.slice(0, 12)}`, sha256: hex, digest });
    }
    this.entries = [...seen.values()];
  }

  /** No keys configured: every request is accepted (open mode). */
  get open(): boolean {
    return this.entries.length === 0;
  }

  /** The entry matching `presented`, or undefined. */
  verify(presented: string): ApiKeyEntry | undefined {
    const digest = sha256(presented);
    let match: ApiKeyEntry | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest)) match ??= entry;
    }
    return match;
  }
}

/** Extracts the token of an `Authorization: Bearer <token>` header; undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m?.[1];
}
