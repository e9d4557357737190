// expect-status: ok|timeout
// fixture: network
// options: {"timeoutMs": 4000}
// Many parallel requests: bounded by maxConnections and the run deadline, the host stays healthy.
(async () => {
  const all = [];
  for (let i = 0; i < 500; i++)
    all.push(
      fetch("http://127.0.0.1:__PORT__/ok").then(
        (r) => r.text(),
        () => "refused",
      ),
    );
  const results = await Promise.all(all);
  console.log("done", results.filter((r) => r === "fine").length > 0);
})();
