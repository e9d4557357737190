// expect-status: ok
// expect-stdout: contained
// fixture: network
// Only http://127.0.0.1:__PORT__/ok is granted. The denied server on __DENIED_PORT__ counts every hit.
const denied = [
  "http://127.0.0.1:__PORT__/redirect-out",
  "http://127.0.0.1:__DENIED_PORT__/secret",
  "http://127.0.0.1:__PORT__@127.0.0.1:__DENIED_PORT__/secret",
  "http://2130706433:__DENIED_PORT__/secret",
  "http://0x7f.1:__DENIED_PORT__/secret",
  "http://017700000001:__DENIED_PORT__/secret",
  "http://127.1:__DENIED_PORT__/secret",
  "http://[::1]:__DENIED_PORT__/secret",
  "http://[::ffff:127.0.0.1]:__DENIED_PORT__/secret",
  "http://localhost:__DENIED_PORT__/secret",
  "http://LOCALHOST.:__DENIED_PORT__/secret",
  "http://169.254.169.254/latest/meta-data/",
  "http://metadata.google.internal/computeMetadata/v1/",
  "file:///etc/passwd",
  "http://127.0.0.1:__PORT__/ok/../secret",
];
(async () => {
  let escaped = 0;
  const ok = await (await fetch("http://127.0.0.1:__PORT__/ok")).text();
  for (const url of denied) {
    try {
      const r = await fetch(url);
      const body = await r.text();
      if (body.includes("SECRET")) escaped++;
    } catch (e) {
      if (!(e instanceof TypeError)) escaped++;
    }
  }
  console.log(escaped === 0 && ok === "fine" ? "contained" : "ESCAPED " + escaped + " " + ok);
})();
