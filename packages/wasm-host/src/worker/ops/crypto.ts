/**
 * `crypto.*`: hashes, HMACs and randomness computed by the host's `node:crypto` (the engine has
 * neither a fast hash nor an entropy source; `Math.random` is not for secrets).
 */
import { nodeCrypto } from "../../builtins.js";
import { GuestError, type Op } from "./types.js";

const ALGORITHMS = new Map<string, string>([
  ["md5", "md5"],
  ["sha1", "sha1"],
  ["sha-1", "sha1"],
  ["sha256", "sha256"],
  ["sha-256", "sha256"],
  ["sha384", "sha384"],
  ["sha-384", "sha384"],
  ["sha512", "sha512"],
  ["sha-512", "sha512"],
]);
/** One random request's ceiling (Node's `randomBytes` allows 2³¹−1; a sandbox needs far less). */
const MAX_RANDOM = 1 << 20;

function algorithm(name: unknown): string {
  const alg = ALGORITHMS.get(String(name).toLowerCase());
  if (alg === undefined || !nodeCrypto().getHashes().includes(alg))
    throw new GuestError("ERR_OSSL_EVP_UNSUPPORTED", "Digest method not supported");
  return alg;
}

export const cryptoOps: Record<string, Op> = {
  /** `[algorithm]` + data → digest bytes. */
  "crypto.hash": {
    kind: "sync",
    run(args, bytes) {
      return new Uint8Array(
        nodeCrypto()
          .createHash(algorithm(args[0]))
          .update(bytes ?? new Uint8Array(0))
          .digest(),
      );
    },
  },
  /** `[algorithm, keyBase64]` + data → MAC bytes. */
  "crypto.hmac": {
    kind: "sync",
    run(args, bytes) {
      const key = Buffer.from(String(args[1] ?? ""), "base64");
      return new Uint8Array(
        nodeCrypto()
          .createHmac(algorithm(args[0]), key)
          .update(bytes ?? new Uint8Array(0))
          .digest(),
      );
    },
  },
  /** `[n]` → n random bytes from the host's CSPRNG. */
  "crypto.random": {
    kind: "sync",
    run(args) {
      const n = Number(args[0]);
      if (!Number.isInteger(n) || n < 0 || n > MAX_RANDOM)
        throw new GuestError("ERR_OUT_OF_RANGE", `random byte count must be 0..${MAX_RANDOM}`);
      return nodeCrypto().randomFillSync(new Uint8Array(n));
    },
  },
};
