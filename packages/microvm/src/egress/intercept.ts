import {
  Agent as HttpAgent,
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP, type Socket } from "node:net";
import { Duplex } from "node:stream";
import { TLSSocket, checkServerIdentity, type PeerCertificate } from "node:tls";
import { VmOptionsError } from "../errors.js";
import { SandboxCa } from "./ca.js";

/** What a hook sees and may change. `url` names the checked destination, not the Host header. */
export interface InterceptedRequest {
  readonly method: string;
  /** `scheme://host[:port]/path?query`, host being the destination the policy checked. */
  readonly url: string;
  /** Mutable: headers set here go to the origin only; the guest never sees them. */
  readonly headers: Headers;
}

export type RequestHook = (req: InterceptedRequest) => void | Promise<void>;

/** Where a guest connection really goes, as the data plane checked it. */
export interface CheckedDestination {
  ip: string;
  port: number;
  /** The name the guest resolved through the host's DNS (slot connections), if any. */
  hostname?: string;
}

interface Registered {
  scheme: "http" | "https";
  host: string;
  port: number;
  hook: RequestHook;
}

/** Hop-by-hop headers are the proxy's own business on each side. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "proxy-authorization",
  "proxy-authenticate",
]);

/**
 * HTTP(S) interception on the host: hooks chosen by the connection's checked destination (never
 * by the Host header or SNI, which the guest controls), TLS terminated with the sandbox's CA,
 * upstream TLS verified by the host against the checked name.
 */
export class HttpInterceptor {
  private readonly hooks: Registered[] = [];
  private caValue: SandboxCa | undefined;
  // Upstream connections are kept alive and reused, per VM only: a new TCP + TLS handshake with
  // the origin for every guest request was most of what interception added (4.0–4.2 ms, now
  // 1.1–1.6 ms on loopback: bench/src/vm.mjs). The agent keys a connection by address, port, SNI
  // name and CA, and only verified connections enter the pool; the name checked is the SNI name
  // (or the IP when there is none), so a reused connection was verified for the identity the
  // request would check. Idle ones close when the origin drops them or at close(); no socket
  // timeout, which would also cut slow responses in flight.
  private readonly agents = {
    http: new HttpAgent({ keepAlive: true, maxFreeSockets: 4 }),
    https: new HttpsAgent({ keepAlive: true, maxFreeSockets: 4 }),
  };

  /** @internal */
  constructor(private readonly upstreamCa: string[] | undefined) {}

  /** The sandbox CA (created on first use). */
  get ca(): SandboxCa {
    this.caValue ??= new SandboxCa();
    return this.caValue;
  }

  /**
   * Runs `hook` for every request to `origin` (`https://api.example.com`, `http://10.0.0.5:8080`).
   * Applies to connections opened after the call. Returns a function that removes the hook.
   */
  onRequest(match: { origin: string }, hook: RequestHook): () => void {
    let url: URL;
    try {
      url = new URL(match.origin);
    } catch {
      throw new VmOptionsError(
        "http.onRequest",
        `${match.origin}: give an origin like https://api.example.com`,
      );
    }
    if (
      (url.protocol !== "http:" && url.protocol !== "https:") ||
      url.pathname !== "/" ||
      url.search
    ) {
      throw new VmOptionsError("http.onRequest", `${match.origin}: give only scheme://host[:port]`);
    }
    const scheme = url.protocol === "https:" ? "https" : "http";
    const entry: Registered = {
      scheme,
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: Number(url.port || (scheme === "https" ? 443 : 80)),
      hook,
    };
    this.hooks.push(entry);
    return () => {
      const i = this.hooks.indexOf(entry);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /** @internal Closes the kept-alive upstream connections (the VM is going away). */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** @internal Hooks that could apply to a destination, whatever the protocol turns out to be. */
  candidates(dest: CheckedDestination): Registered[] {
    return this.hooks.filter(
      (h) =>
        h.port === dest.port &&
        (h.host === dest.ip || (dest.hostname !== undefined && h.host === dest.hostname)),
    );
  }

  /**
   * @internal Serves a guest connection as HTTP(S) towards its checked destination. `first` is
   * what the guest sent so far (at least one byte): 0x16 starts a TLS handshake.
   */
  serve(guest: Socket, dest: CheckedDestination, first: Buffer): boolean {
    const scheme = first[0] === 0x16 ? "https" : "http";
    const hooks = this.candidates(dest).filter((h) => h.scheme === scheme);
    if (hooks.length === 0) return false;
    const host = dest.hostname ?? dest.ip;
    const server = createHttpServer((req, res) => {
      void this.proxy(req, res, scheme, host, dest, hooks).catch(() => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
    });
    const stream = replay(guest, first);
    if (scheme === "http") {
      server.emit("connection", stream);
    } else {
      const tls = new TLSSocket(stream as unknown as Socket, {
        isServer: true,
        // The certificate names what the guest asked for (SNI) so its client accepts it; that
        // name decides nothing: hooks were chosen above from the checked destination.
        SNICallback: (name, cb) => cb(null, this.ca.contextFor(name)),
        secureContext: this.ca.contextFor(host),
      });
      tls.on("error", () => guest.destroy());
      server.emit("connection", tls);
    }
    return true;
  }

  private async proxy(
    req: IncomingMessage,
    res: ServerResponse,
    scheme: "http" | "https",
    host: string,
    dest: CheckedDestination,
    hooks: Registered[],
  ): Promise<void> {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      if (!HOP_BY_HOP.has(name.toLowerCase())) headers.append(name, req.rawHeaders[i + 1]!);
    }
    const defaultPort = scheme === "https" ? 443 : 80;
    const url = `${scheme}://${isIP(host) === 6 ? `[${host}]` : host}${dest.port === defaultPort ? "" : `:${dest.port}`}${req.url ?? "/"}`;
    const intercepted: InterceptedRequest = { method: req.method ?? "GET", url, headers };
    // A hook that throws fails the request (502), never passes it through unmodified.
    for (const h of hooks) await h.hook(intercepted);

    const out: OutgoingHttpHeaders = {};
    headers.forEach((value, name) => {
      out[name] = value;
    });
    const options = {
      host: dest.ip,
      port: dest.port,
      method: intercepted.method,
      path: req.url ?? "/",
      headers: out,
      setHost: false,
    };
    const upstream =
      scheme === "https"
        ? httpsRequest({
            ...options,
            // Verified against the checked name (or IP), with the host's trust store or the
            // configured upstream CAs.
            ...(isIP(host) ? {} : { servername: host }),
            checkServerIdentity: (_h: string, cert: PeerCertificate) =>
              checkServerIdentity(host, cert),
            ...(this.upstreamCa ? { ca: this.upstreamCa } : {}),
            rejectUnauthorized: true,
            agent: this.agents.https,
          })
        : httpRequest({ ...options, agent: this.agents.http });
    await new Promise<void>((resolve, reject) => {
      upstream.on("response", (up) => {
        const back: OutgoingHttpHeaders = {};
        for (let i = 0; i < up.rawHeaders.length; i += 2) {
          const name = up.rawHeaders[i]!.toLowerCase();
          if (HOP_BY_HOP.has(name)) continue;
          const prev = back[name];
          const value = up.rawHeaders[i + 1]!;
          back[name] =
            prev === undefined ? value : ([] as string[]).concat(prev as string | string[], value);
        }
        res.writeHead(up.statusCode ?? 502, back);
        up.pipe(res);
        up.on("end", resolve);
        up.on("error", reject);
      });
      upstream.on("error", reject);
      req.pipe(upstream);
    });
  }
}

/**
 * The guest connection as a plain Duplex that first yields `first` (already read while deciding
 * the protocol). Node's HTTP parser and TLSSocket read a net.Socket's native handle directly,
 * which would skip those bytes; a plain Duplex goes through JavaScript.
 */
function replay(guest: Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    allowHalfOpen: true,
    read() {
      guest.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      guest.write(chunk, cb);
    },
    final(cb) {
      guest.end();
      cb();
    },
    destroy(err, cb) {
      guest.destroy();
      cb(err);
    },
  });
  stream.push(first);
  guest.on("data", (c: Buffer) => {
    if (!stream.push(c)) guest.pause();
  });
  guest.on("end", () => stream.push(null));
  guest.on("close", () => stream.destroy());
  return stream;
}
