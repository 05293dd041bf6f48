// Code + PKCE login: the request carries only the S256 challenge, the code is exchanged once with
// its verifier and scrubbed from the address bar; a replayed code and a tampered verifier are refused.
import { test, expect } from '../../fixtures';
import { ALICE } from '../../pages/app';
import { APP, AUDIENCE, IDP } from '../../playwright.config';

test('code + PKCE logs in: challenge sent, verifier only at the token endpoint, code scrubbed', async ({ app, page, idp }) => {
  const authorizes: URL[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin === IDP && url.pathname === '/authorize' && !url.searchParams.has('prompt')) authorizes.push(url);
  });
  const before = await idp.stats();
  await app.goto('/');
  await app.login();

  expect(authorizes).toHaveLength(1);
  const login = authorizes[0].searchParams;
  expect(login.get('response_type')).toBe('code');
  expect(login.get('code_challenge_method')).toBe('S256');
  expect(login.get('scope')).toContain('offline_access');
  expect(login.has('code_verifier')).toBe(false);
  // What the provider received at its token endpoint (the request body is not visible to Playwright
  // in Firefox): one exchange, with a verifier of the RFC 7636 shape whose S256 is the challenge.
  const after = await idp.stats();
  expect(after.token.authorization_code - before.token.authorization_code).toBe(1);
  expect(after.lastExchange?.verifierShape).toBe('43 base64url characters');
  expect(after.lastExchange?.challenge).toBe(login.get('code_challenge'));

  // Nothing of the code is left in the address bar or the history entry.
  expect(page.url()).toBe(`${APP}/`);
  const stored = await app.stored();
  expect(stored.access_token).toMatch(/^eyJ/);
  expect(await page.evaluate(() => localStorage.getItem('refresh_token'))).toBeTruthy();
  await expect(page.getByTestId('renewal-path')).toContainText('refresh token');

  // The token works against the API.
  await page.getByRole('link', { name: 'Ping API' }).click();
  await page.getByRole('button', { name: 'Call private API' }).click();
  await expect(page.getByTestId('/api/private')).toContainText('"sub": "auth0|dev-alice"');
  await app.shot('code flow: logged in');
});

test('a replayed code is refused by the app and by the provider; the session is unchanged', async ({ app, page, request }) => {
  let callback = '';
  page.on('request', (r) => { if (r.url().startsWith(`${APP}/callback?`)) callback = r.url(); });
  await app.goto('/');
  await app.login();
  expect(callback).toContain('code=');
  const stored = await app.stored();

  await page.goto(callback);
  await expect(page.getByRole('alert')).toContainText('your current session is unchanged');
  await expect(page.getByRole('alert')).toContainText('unknown or already used state');
  expect(new URL(page.url()).search).toBe('');
  expect(await app.stored()).toEqual(stored);

  // Even with the state check out of the way, the provider refuses a code used once.
  const code = new URL(callback).searchParams.get('code') ?? '';
  const replay = await request.post(`${IDP}/oauth/token`, {
    form: { grant_type: 'authorization_code', client_id: 'dev-spa-client', code, redirect_uri: `${APP}/callback`, code_verifier: 'x'.repeat(43) },
  });
  expect(replay.status()).toBe(400);
  expect((await replay.json()).error).toBe('invalid_grant');
});

test('a tampered PKCE verifier is refused by the provider and the error is shown', async ({ app, page }) => {
  // Tamper with the verifier the app holds (sessionStorage) as the callback page starts, before the
  // app reads it. (Rewriting the token request instead needs its body, which Firefox's WebDriver
  // BiDi does not give Playwright.) A 32-byte verifier's last base64url character is one of 16, `A`
  // among them, so the replacement depends on what is there.
  await page.addInitScript(() => {
    if (location.pathname !== '/callback') return;
    const pending = JSON.parse(sessionStorage.getItem('auth.pending') ?? '[]') as { verifier?: string }[];
    for (const p of pending) {
      if (p.verifier) p.verifier = `${p.verifier.slice(0, -1)}${p.verifier.endsWith('B') ? 'C' : 'B'}`;
    }
    sessionStorage.setItem('auth.pending', JSON.stringify(pending));
  });
  await app.goto('/profile');
  await app.loginButton().click();
  await app.submitCredentials(ALICE);
  await expect(page.getByRole('alert')).toContainText('Login did not complete.');
  await expect(page.getByRole('alert')).toContainText('invalid_grant');
  expect(new URL(page.url()).search).toBe('');
  expect((await app.stored()).access_token).toBeNull();
  await app.shot('code flow: tampered verifier refused');
});

test('the code flow grants the scope and audience the implicit one did: the scoped API answers', async ({ app, page }) => {
  await app.goto('/');
  await app.login();
  const token = await app.accessToken();
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  expect(claims.aud).toBe(AUDIENCE);
  expect(claims.scope.split(' ')).toContain('read:messages');
  await page.getByRole('link', { name: 'Ping API' }).click();
  await page.getByRole('button', { name: 'Call scoped API (read:messages)' }).click();
  await expect(page.getByTestId('/api/private-scoped')).toContainText('read:messages');
});
