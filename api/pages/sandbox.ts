// The sandbox's page (/sandbox): what the sandbox connectors recorded instead
// of sending, so a new user of `npm run dev` sees what would have gone out.
// The page itself holds no data: it asks for the user's API token once (kept
// in the tab's sessionStorage) and reads GET /api/sandbox/messages and the
// sandbox's calls from GET /api/call/list with it,
// so it shows only the caller's organization, as the API does. Everything
// shown is inserted as text, never as HTML.
import type { Hono } from 'hono';

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>LIO sandbox: what would have been sent</title>
  <style>
    body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
    .muted { color: #777; }
  </style>
</head>
<body>
  <h1>Sandbox</h1>
  <p class="muted">With SANDBOX_CONNECTORS on and no provider configured, mail, Slack and Teams messages and calls are recorded here instead of being sent.</p>
  <form id="auth"><label>Bearer token <input id="token" type="password" size="60" autocomplete="off" /></label> <button>Show</button></form>
  <p id="status" class="muted"></p>
  <h2>Messages</h2>
  <table><thead><tr><th>When</th><th>Channel</th><th>To</th><th>Subject</th><th>Preview</th><th>Status</th></tr></thead><tbody id="rows"></tbody></table>
  <h2>Calls</h2>
  <table><thead><tr><th>When</th><th>From</th><th>To</th><th>First message</th><th>Status</th><th>Duration (s)</th></tr></thead><tbody id="calls"></tbody></table>
  <script>
    const cell = (text) => { const td = document.createElement('td'); td.textContent = text ?? ''; return td; };
    const row = (...texts) => { const tr = document.createElement('tr'); tr.append(...texts.map(cell)); return tr; };
    async function show() {
      const token = sessionStorage.getItem('lio-token');
      if (!token) return;
      const headers = { authorization: 'Bearer ' + token };
      const [messages, calls] = await Promise.all(
        ['/api/sandbox/messages?limit=100', '/api/call/list?limit=100'].map(async (url) => { const res = await fetch(url, { headers }); return { ok: res.ok, body: await res.json() }; }),
      );
      const status = document.getElementById('status');
      const failed = [messages, calls].find((r) => !r.ok);
      if (failed) { status.textContent = failed.body.error ? failed.body.error.message : 'request failed'; return; }
      const sandboxCalls = calls.body.data.filter((c) => c.provider === 'sandbox');
      status.textContent = messages.body.total + ' recorded message(s), ' + sandboxCalls.length + ' recent sandbox call(s)';
      document.getElementById('rows').replaceChildren(...messages.body.data.map((m) => row(m.created_at, m.channel, m.destination ?? m.to.join(', '), m.subject, m.preview, m.status)));
      document.getElementById('calls').replaceChildren(...sandboxCalls.map((c) => row(c.created_at, c.from_number, c.to_number, c.agent && c.agent.first_message, c.status, c.duration_sec)));
    }
    document.getElementById('auth').addEventListener('submit', (e) => {
      e.preventDefault();
      sessionStorage.setItem('lio-token', document.getElementById('token').value.trim());
      show();
    });
    show();
  </script>
</body>
</html>`;

export function mountSandboxPage(app: Hono<any>) {
  app.get('/sandbox', (c) => c.html(PAGE));
}
