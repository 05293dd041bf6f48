// HTML of the provider's own pages (login, logout, errors). Escaped, self-contained, no CDN.

export const esc = (s) =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem 1rem;color:#1d1d1f}
main{max-width:24rem;margin:0 auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.55rem;font-size:1rem;border:1px solid #888;border-radius:4px}
button{margin-top:1.2rem;width:100%;padding:.65rem;font-size:1rem;background:#3b3bd6;color:#fff;border:0;border-radius:4px;cursor:pointer}
button:focus-visible,input:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.error{background:#fde8e8;color:#8a1010;padding:.6rem;border-radius:4px}.hint{color:#555;font-size:.9rem}`;

export function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function loginPage({ uid, clientName, email = '', error, users }) {
  return page(
    'Log in — local identity provider',
    `<h1>Log in to ${esc(clientName)}</h1>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" required autofocus value="${esc(email)}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" required>
  <button type="submit">Log in</button>
</form>
<p class="hint">Local development provider. Users: ${users.map((u) => `${esc(u.email)} / ${esc(u.password)}`).join(', ')}</p>`,
  );
}

export function logoutPage(form) {
  // RP-initiated logout without a confirmation screen: submit the provider's form at once.
  const autoForm = form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>');
  return page(
    'Logging out',
    `<h1>Logging out…</h1>${autoForm}
<noscript><button type="submit" form="op.logoutForm">Log out</button></noscript>
<script>document.getElementById('op.logoutForm').submit();</script>`,
  );
}

export const loggedOutPage = () => page('Logged out', '<h1>You are logged out</h1><p>You can close this page.</p>');

export const errorPage = (out) =>
  page('Error', `<h1>Sign-in error</h1><p class="error" role="alert">${esc(out.error)}: ${esc(out.error_description)}</p>`);
