// @ts-nocheck — this function runs inside the guest (QuickJS), not in Node; see prelude.ts.
/**
 * The guest side of fetch-handler apps (`export default { fetch(request) { … } }`, as in
 * Cloudflare Workers and Deno). The host hands the module namespace to `prepareApp` once (the
 * handler then lives in this closure, so a snapshot taken afterwards keeps it), and calls
 * `serve()` per request: the request arrives as plain data through the `serve.request`/
 * `serve.body` ops, becomes a guest `Request`, and the guest `Response` goes back as plain data
 * through `serve.respond`. Copies only: no host object ever enters the guest.
 */
export function installServe(g, host, internals) {
  let app;
  /** Keeps the default export of the app module; `warm` compiles the web globals now. */
  internals.prepareApp = (ns, warm) => {
    app = ns !== null && typeof ns === "object" ? ns.default : undefined;
    if (warm) {
      // Lazily compiled globals every request needs: compiling them once before a snapshot
      // saves each request the work.
      void g.Request;
      void g.Response;
      void g.Headers;
      void g.URL;
      new g.Response("").headers.forEach(() => undefined);
    }
  };
  const fail = (err) => host.call("serve.fail", [internals.report(err, false)]);
  /** Sends `res` (already checked to be a guest Response) and its body to the host. */
  const respond = (res, bytes) => {
    const headers = [];
    res.headers.forEach((v, k) => headers.push([k, v]));
    host.call("serve.respond", [res.status, res.statusText, headers], bytes);
  };
  const respondAsync = (res) => {
    if (!(res instanceof g.Response))
      throw new TypeError(`fetch() must return a Response, got ${internals.inspect(res)}`);
    return res.arrayBuffer().then((buf) => respond(res, new Uint8Array(buf)));
  };
  internals.serve = () => {
    if (
      app === null ||
      (typeof app !== "object" && typeof app !== "function") ||
      typeof app.fetch !== "function"
    ) {
      throw new TypeError(
        'the app has no fetch handler: write `export default { fetch(request) { return new Response("hi") } }`',
      );
    }
    const info = host.call("serve.request");
    const init = { method: info.method, headers: info.headers };
    if (info.hasBody) init.body = host.call("serve.body");
    const request = new g.Request(info.url, init);
    const Response = g.Response;
    // The handler runs now (not from a microtask): most handlers return a Response without
    // awaiting anything, and the common case then needs no trip through the job queue.
    let res;
    try {
      res = app.fetch(request);
    } catch (err) {
      // A handler that throws ends the request as an uncaught error (status `error`).
      fail(err);
      return;
    }
    // A plain Response returned synchronously: its body is already bytes, so it is read here
    // (what `arrayBuffer()` does, minus the promise and a copy). Subclasses, which may
    // override the body methods, and promises take the general path.
    if (
      res !== null &&
      typeof res === "object" &&
      Object.getPrototypeOf(res) === Response.prototype
    ) {
      try {
        respond(res, res._take());
      } catch (err) {
        fail(err);
      }
      return;
    }
    // A handler that throws or rejects ends the request as an uncaught error (status `error`).
    Promise.resolve(res).then(respondAsync).then(undefined, fail);
  };
}
