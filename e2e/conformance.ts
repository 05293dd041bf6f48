// The OpenID Foundation's relying-party test plan (`oidcc-client-test-*`), the rules that apply to a
// browser client, each a test against forged provider answers (forged.ts). The suite is declared
// once here and run by tests/conformance.spec.ts (the implicit flow) and
// tests/code/conformance.spec.ts (code + PKCE with refresh tokens), in both engines.
import { test, expect } from './fixtures';
import { ForgedProvider, makeKey, type Flow, type Forgery } from './forged';
import { LOGGED_OUT, type AppPage } from './pages/app';

/** A login the app must refuse: the rule, the forgery, and the words of the refusal it shows. */
const REFUSED: [string, string, Forgery, string][] = [
  ['nonce-invalid', "an ID token whose nonce is not the request's", { claims: { nonce: 'another-request' } }, 'token nonce does not match the request'],
  ['invalid-sig-rs256', 'a bad signature', { tamper: true }, 'token signature is invalid'],
  ['idtoken-sig-none', 'an unsigned ID token', { unsigned: true }, 'token algorithm is not accepted (RS256 only)'],
  ['missing-iat', 'no iat', { claims: { iat: undefined } }, 'token has no `iat` claim'],
  ['invalid-iss', 'another issuer', { claims: { iss: 'https://evil.example/' } }, 'token issuer is not the configured issuer'],
  ['invalid-aud', 'another audience', { claims: { aud: 'another-client' } }, 'token audience does not include this app'],
  ['missing-aud', 'no aud', { claims: { aud: undefined } }, 'token has no `aud` claim'],
  ['missing-sub', 'no sub', { claims: { sub: undefined } }, 'token has no `sub` claim'],
];

/** Logs in through the forged provider (it answers at once: no login page). */
async function logIn(app: AppPage) {
  await app.goto('/');
  await app.loginButton().click();
}

export function conformance(flow: Flow) {
  for (const [name, rule, forgery, refusal] of REFUSED) {
    test(`${name}: ${rule} is refused at login, saying why, and nothing is stored`, async ({ app, page }) => {
      const provider = await ForgedProvider.start(page, flow);
      provider.login = forgery;
      await logIn(app);
      const alert = page.getByRole('alert');
      await expect(alert).toContainText('Login did not complete.');
      await expect(alert).toContainText(refusal);
      await expect(app.userName()).toHaveCount(0);
      expect(await app.stored()).toEqual(LOGGED_OUT);
    });
  }

  test('kid-absent-single-jwks: no kid, one key in the set: that key verifies it, and the login goes through', async ({ app, page }) => {
    const provider = await ForgedProvider.start(page, flow, [await makeKey(null)]);
    provider.login = { kid: null };
    await logIn(app);
    await expect(app.userName()).toHaveText('Forged Alice');
  });

  test('kid-absent-multiple-jwks: no kid, several keys in the set: refused, saying why (the app does not guess)', async ({ app, page }) => {
    const provider = await ForgedProvider.start(page, flow, [await makeKey('forged-1'), await makeKey('forged-2')]);
    provider.login = { kid: null };
    await logIn(app);
    await expect(page.getByRole('alert')).toContainText('token names no signing key (kid) and the issuer publishes several');
    await expect(app.userName()).toHaveCount(0);
  });

  test('signing-key-rotation: a token signed by a key published after login verifies after one download of the set', async ({ app, page }) => {
    const provider = await ForgedProvider.start(page, flow);
    await logIn(app);
    await expect(app.userName()).toHaveText('Forged Alice');
    const downloads = provider.keySetDownloads;
    const rotated = await makeKey('forged-rotated');
    provider.published = [...provider.published, rotated];
    provider.renewal = { key: rotated };
    await app.renewButton().click();
    await expect(app.lastRenewal()).toContainText('succeeded');
    expect(provider.keySetDownloads).toBe(downloads + 1);
    await app.renewButton().click();
    await expect(page.getByTestId('renewal-count')).toHaveText('2');
    expect(provider.keySetDownloads).toBe(downloads + 1); // the new key is held now
  });

  test("userinfo-invalid-sub: a /userinfo answer about another user is not used, and the profile says why", async ({ app, page }) => {
    const provider = await ForgedProvider.start(page, flow);
    provider.userinfo = { sub: 'auth0|mallory', name: 'Mallory' };
    await logIn(app);
    await expect(app.userName()).toHaveText('Forged Alice');
    await page.getByRole('link', { name: 'Profile' }).click();
    await expect(page.getByRole('status').filter({ hasText: '/userinfo' })).toContainText(
      "/userinfo answered for another user than the ID token names (its sub differs), so it is not used (OIDC Core §5.3.2); showing the ID token's claims.");
    await expect(page.getByTestId('profile-name')).toHaveText('Forged Alice');
    await expect(page.getByText('Mallory')).toHaveCount(0);
  });

  if (flow !== 'code') return;

  for (const [name, claims, refusal] of [
    ['refresh-token-invalid-sub', { sub: 'auth0|mallory' }, 'renewal returned another user'],
    ['refresh-token-invalid-issuer', { iss: 'https://evil.example/' }, 'token issuer is not the configured issuer'],
  ] as const) {
    test(`${name}: a refreshed ID token of ${'sub' in claims ? 'another user' : 'another issuer'} is refused, and the session is kept`, async ({ app, page }) => {
      const provider = await ForgedProvider.start(page, flow);
      await logIn(app);
      await expect(app.userName()).toHaveText('Forged Alice');
      await app.renewButton().click(); // the frame check, as the first renewal of a session is
      await expect(page.getByTestId('renewal-count')).toHaveText('1');
      const token = await app.accessToken();
      provider.renewal = { claims };
      await app.renewButton().click(); // the refresh token, now that the frame is known to work
      await expect(app.lastRenewal()).toContainText(refusal);
      expect(provider.grants.at(-1)).toBe('refresh_token');
      await expect(app.userName()).toHaveText('Forged Alice');
      expect(await app.accessToken()).toBe(token);
    });
  }
}
