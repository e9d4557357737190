/**
 * The dashboard's static assets. They hold no data: the page asks for an API key and reads the
 * authenticated SSE feed `/api/dashboard/events` with fetch (EventSource cannot send headers).
 * Everything from executions is written with `textContent`, never as HTML, and the CSP allows only
 * these same-origin files.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Airlock dashboard</title>
<link rel="stylesheet" href="/dashboard/app.css">
<script src="/dashboard/app.js" defer></script>
</head>
<body>
<header>
  <h1>Airlock</h1>
  <form id="connect-form">
    <input id="key" type="password" placeholder="API key (empty in open mode)" autocomplete="off">
    <button id="connect" type="submit">Connect</button>
  </form>
  <span id="state" data-state="idle">not connected</span>
</header>
<main>
  <section class="cards">
    <div class="card"><h2>Completed</h2><p id="count-completed">0</p></div>
    <div class="card"><h2>Errors</h2><p id="count-error">0</p></div>
    <div class="card"><h2>Timeouts</h2><p id="count-timeout">0</p></div>
    <div class="card"><h2>Blocked</h2><p id="count-blocked">0</p></div>
    <div class="card"><h2>Cancelled</h2><p id="count-cancelled">0</p></div>
    <div class="card"><h2>Queue</h2><p><span id="queue-running">0</span> running · <span id="queue-queued">0</span> waiting</p></div>
    <div class="card"><h2>Latency</h2><p>p50 <span id="latency-p50">–</span> · p95 <span id="latency-p95">–</span> ms</p></div>
  </section>
  <section>
    <h2>Live executions</h2>
    <table id="executions">
      <thead><tr><th>id</th><th>status</th><th>policy</th><th>risk</th><th>ms</th><th>findings</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section>
    <h2>Findings</h2>
    <ul id="findings"></ul>
  </section>
</main>
</body>
</html>
`;

export const DASHBOARD_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #f6f7f9; }
header { display: flex; gap: 1rem; align-items: center; padding: .75rem 1.5rem; background: #1b1f24; color: #fff; }
header h1 { font-size: 1.2rem; margin: 0; }
main { padding: 1rem 1.5rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: .75rem; }
.card { background: #fff; border-radius: 6px; padding: .5rem .75rem; box-shadow: 0 1px 2px #0002; }
.card h2 { font-size: .75rem; text-transform: uppercase; color: #57606a; margin: 0; }
.card p { font-size: 1.3rem; margin: .25rem 0 0; }
table { width: 100%; border-collapse: collapse; background: #fff; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eaeef2; font-variant-numeric: tabular-nums; }
td.status-completed { color: #1a7f37; } td.status-error, td.status-timeout { color: #cf222e; }
td.status-blocked { color: #8250df; font-weight: 600; } td.status-cancelled { color: #9a6700; }
#state[data-state="live"] { color: #4ac26b; } #state[data-state="error"] { color: #ff8182; }
`;

export const DASHBOARD_JS = `"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const findingCounts = new Map();
  let controller = null;

  function setState(state, text) {
    $("state").dataset.state = state;
    $("state").textContent = text;
  }

  function showStats(s) {
    for (const k of ["completed", "error", "timeout", "blocked", "cancelled"]) {
      $("count-" + k).textContent = String(s.executions[k] ?? 0);
    }
    $("queue-running").textContent = String(s.queue.running);
    $("queue-queued").textContent = String(s.queue.queued);
    $("latency-p50").textContent = s.latencyMs.p50 === null ? "–" : String(Math.round(s.latencyMs.p50));
    $("latency-p95").textContent = s.latencyMs.p95 === null ? "–" : String(Math.round(s.latencyMs.p95));
  }

  function addExecution(e) {
    const tbody = $("executions").tBodies[0];
    const tr = document.createElement("tr");
    tr.dataset.id = e.id;
    const cells = [e.id, e.status, e.policy, e.level + " (" + e.score + ")", String(Math.round(e.durationMs)), e.rules.join(", ")];
    cells.forEach((text, i) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (i === 1) td.className = "status-" + e.status;
      tr.appendChild(td);
    });
    tbody.prepend(tr);
    while (tbody.rows.length > 50) tbody.deleteRow(-1);
    for (const r of e.rules) findingCounts.set(r, (findingCounts.get(r) ?? 0) + 1);
    const ul = $("findings");
    ul.replaceChildren(
      ...[...findingCounts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([rule, n]) => {
        const li = document.createElement("li");
        li.dataset.rule = rule;
        li.textContent = rule + " × " + n;
        return li;
      }),
    );
  }

  function handle(event, data) {
    if (event === "snapshot") {
      showStats(data.stats);
      for (const e of data.recent.slice().reverse()) addExecution(e);
    } else if (event === "stats") showStats(data);
    else if (event === "execution") addExecution(data);
  }

  async function connect(key) {
    if (controller) controller.abort();
    controller = new AbortController();
    setState("connecting", "connecting…");
    try {
      const headers = key ? { authorization: "Bearer " + key } : {};
      const res = await fetch("/api/dashboard/events", { headers, signal: controller.signal });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        setState("error", res.status + " " + (body.error?.message ?? res.statusText));
        return;
      }
      setState("live", "live");
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let at;
        while ((at = buffer.indexOf("\\n\\n")) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          if (block.startsWith(":")) continue;
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) handle(event, JSON.parse(data));
        }
      }
      setState("error", "disconnected");
    } catch (err) {
      if (err.name !== "AbortError") setState("error", String(err.message ?? err));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("key").value = sessionStorage.getItem("airlock-key") ?? "";
    $("connect-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      sessionStorage.setItem("airlock-key", $("key").value);
      void connect($("key").value);
    });
  });
})();
`;
