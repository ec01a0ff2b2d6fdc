// The sandbox's page (/sandbox): what the sandbox connectors recorded instead
// of sending, so a new user of `npm run dev` sees what would have gone out.
// The page itself holds no data: it asks for the user's API token once (kept
// in the tab's sessionStorage) and reads GET /api/sandbox/messages with it,
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
  <p class="muted">With SANDBOX_CONNECTORS on and no provider configured, mail, Slack and Teams messages are recorded here instead of being sent.</p>
  <form id="auth"><label>Bearer token <input id="token" type="password" size="60" autocomplete="off" /></label> <button>Show</button></form>
  <p id="status" class="muted"></p>
  <table><thead><tr><th>When</th><th>Channel</th><th>To</th><th>Subject</th><th>Preview</th><th>Status</th></tr></thead><tbody id="rows"></tbody></table>
  <script>
    const cell = (text) => { const td = document.createElement('td'); td.textContent = text ?? ''; return td; };
    async function show() {
      const token = sessionStorage.getItem('lio-token');
      if (!token) return;
      const res = await fetch('/api/sandbox/messages?limit=100', { headers: { authorization: 'Bearer ' + token } });
      const body = await res.json();
      const status = document.getElementById('status');
      if (!res.ok) { status.textContent = body.error ? body.error.message : 'request failed'; return; }
      status.textContent = body.total + ' recorded message(s)';
      const rows = document.getElementById('rows');
      rows.replaceChildren(...body.data.map((m) => {
        const tr = document.createElement('tr');
        tr.append(cell(m.created_at), cell(m.channel), cell(m.destination ?? m.to.join(', ')), cell(m.subject), cell(m.preview), cell(m.status));
        return tr;
      }));
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
