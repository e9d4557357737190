/**
 * The little DNS the guest's resolver needs: parse one query (RFC 1035 header + one question),
 * answer with an A record, NODATA, NXDOMAIN or REFUSED. Compression pointers never appear in
 * questions a stub resolver sends, so a name with one is malformed (FORMERR).
 */

export const QTYPE_A = 1;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export interface DnsQuestion {
  id: number;
  /** Lower-case, without the trailing dot. */
  name: string;
  type: number;
  klass: number;
  /** The question section as received (echoed in the answer). */
  raw: Buffer;
  flags: number;
}

/** Parses a query; `undefined` when it is not one we can answer (the caller sends FORMERR). */
export function parseQuery(msg: Buffer): DnsQuestion | undefined {
  if (msg.length < 12) return undefined;
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000 || msg.readUInt16BE(4) !== 1) return undefined; // a response, or not 1 question
  let at = 12;
  const labels: string[] = [];
  for (;;) {
    const len = msg[at];
    if (len === undefined || len > 63) return undefined;
    at++;
    if (len === 0) break;
    if (at + len > msg.length) return undefined;
    labels.push(
      msg
        .subarray(at, at + len)
        .toString("latin1")
        .toLowerCase(),
    );
    at += len;
  }
  if (at + 4 > msg.length) return undefined;
  const type = msg.readUInt16BE(at);
  const klass = msg.readUInt16BE(at + 2);
  return { id, name: labels.join("."), type, klass, raw: msg.subarray(12, at + 4), flags };
}

/** A response to `q`: `address` (IPv4) for an A answer, else just the code. */
export function answer(q: DnsQuestion, rcode: number, address?: string): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, opcode 0, AA, RD copied, RA, rcode.
  header.writeUInt16BE(0x8000 | 0x0400 | (q.flags & 0x0100) | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(address ? 1 : 0, 6);
  const parts = [header, q.raw];
  if (address) {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question
    rr.writeUInt16BE(QTYPE_A, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(5, 6); // short TTL: the mapping lives as long as the VM, the host may re-check
    rr.writeUInt16BE(4, 10);
    address.split(".").forEach((o, i) => rr.writeUInt8(Number(o), 12 + i));
    parts.push(rr);
  }
  return Buffer.concat(parts);
}

/** The header-only FORMERR reply to something unparsable (id 0 when even that is missing). */
export function formErr(msg: Buffer): Buffer {
  const b = Buffer.alloc(12);
  if (msg.length >= 2) b.writeUInt16BE(msg.readUInt16BE(0), 0);
  b.writeUInt16BE(0x8000 | RCODE.FORMERR, 2);
  return b;
}
