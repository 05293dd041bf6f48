// Renewal in the code flow: rotating refresh tokens, the silent frame checked once and used as the
// fallback, the provider on another site (where Chromium keeps its cookie out of the frame, as Safari
// and Firefox do), a provider that grants no refresh token, and many tabs on one rotating token.
import { test, expect, isSilentAuthorize } from '../../fixtures';
import { ALICE, AppPage, openTabs } from '../../pages/app';
import { CROSS_SITE_IDP } from '../../playwright.config';
import type { Idp } from '../../idp';

/** Resolves once the stored expiry has moved on by `generations` renewals (each ~3/4 of a lifetime). */
async function renewals(app: AppPage, idp: Idp, generations: number) {
  const first = await app.expiresAt();
  const ttlMs = idp.ttl * 1000;
  await expect
    .poll(() => app.expiresAt(), { timeout: (generations + 1) * ttlMs, intervals: [250] })
    .toBeGreaterThanOrEqual(first + generations * 0.75 * ttlMs - 1000);
}

test('same site: the first renewal checks the frame, then the refresh token rotates', async ({ app, page, idp, silentRequests }) => {
  test.slow();
  await app.goto('/');
  await app.login();
  const rt0 = await page.evaluate(() => localStorage.getItem('refresh_token'));
  const before = await idp.stats();
  await renewals(app, idp, 2);
  const after = await idp.stats();
  expect(silentRequests).toHaveLength(1); // the check, once
  expect(after.token.authorization_code - before.token.authorization_code).toBe(1); // the frame's code
  expect(after.token.refresh_token - before.token.refresh_token).toBe(1);
  expect(after.invalidGrant).toBe(before.invalidGrant);
  await expect(app.lastRenewal()).toContainText('via refresh token');
  await expect(page.getByTestId('renewal-path')).toContainText('the silent frame works as a fallback');
  expect(await page.evaluate(() => localStorage.getItem('refresh_token'))).not.toBe(rt0); // rotated
  await app.shot('code flow: renewed with a refresh token');
});

test('cross-site provider: the frame is found blocked once, and refresh tokens carry the session for three lifetimes', async ({ app, page, idp, configure }) => {
  test.slow();
  await idp.restart({ issuer: CROSS_SITE_IDP });
  await configure({ issuer: CROSS_SITE_IDP });
  await app.goto('/');
  await app.login();
  const before = await idp.stats();
  await renewals(app, idp, 3);
  const after = await idp.stats();
  await expect(page.getByTestId('renewal-path')).toContainText('the browser blocks the silent frame; renewing with refresh tokens');
  expect(after.authorizeSilent - before.authorizeSilent).toBe(1); // found blocked once, never tried again
  expect(after.token.refresh_token - before.token.refresh_token).toBe(3);
  expect(after.invalidGrant).toBe(before.invalidGrant);
  await expect(app.userName()).toHaveText(ALICE.name);
  await app.shot('cross-site provider: frame blocked, refresh tokens');

  // A reload keeps that knowledge: no frame attempt at all.
  await page.reload();
  await expect(page.getByTestId('renewal-path')).toContainText('the browser blocks the silent frame');
  await renewals(app, idp, 1);
  expect((await idp.stats()).authorizeSilent).toBe(after.authorizeSilent);
});

test('cross-site provider without refresh tokens: the session ends at the first renewal, as before', async ({ app, page, idp, configure }) => {
  await idp.restart({ issuer: CROSS_SITE_IDP });
  await configure({ issuer: CROSS_SITE_IDP, useRefreshTokens: false });
  await app.goto('/');
  await app.login();
  await app.renewButton().click();
  await expect(page.getByRole('alert')).toContainText('Your session has ended at the identity provider');
  await expect(page.getByRole('alert')).toContainText('login_required');
});

test('same site, no refresh token granted: the code-flow frame renews as the implicit one did', async ({ app, page, idp, configure, silentRequests }) => {
  await configure({ useRefreshTokens: false });
  await app.goto('/');
  await app.login();
  expect(await page.evaluate(() => localStorage.getItem('refresh_token'))).toBeNull();
  await expect(page.getByTestId('renewal-path')).toContainText('silent frame (code + PKCE');
  const before = await idp.stats();
  await renewals(app, idp, 2);
  const after = await idp.stats();
  expect(silentRequests).toHaveLength(2);
  expect(silentRequests[0].url.searchParams.get('response_type')).toBe('code');
  expect(silentRequests[0].url.searchParams.get('code_challenge_method')).toBe('S256');
  expect(after.token.authorization_code - before.token.authorization_code).toBe(2);
  expect(after.token.refresh_token).toBe(before.token.refresh_token);
  await expect(app.lastRenewal()).toContainText('via silent frame');
});

test('a refresh token refused (invalid_grant) falls back to the frame, and the session goes on', async ({ app, page, idp, request }) => {
  await app.goto('/');
  await app.login();
  await app.renewButton().click(); // the frame check: now refresh tokens come first
  await expect(app.lastRenewal()).toContainText('via silent frame');
  // The refresh token is revoked behind the app's back (RFC 7009, as an admin or another client could).
  const rt = await page.evaluate(() => localStorage.getItem('refresh_token')) ?? '';
  const revoked = await request.post(`${idp.issuer}/oauth/revoke`, { form: { client_id: 'dev-spa-client', token: rt, token_type_hint: 'refresh_token' } });
  expect(revoked.status()).toBe(200);
  expect((await idp.refreshToken(rt)).exists).toBe(false);
  const before = await idp.stats();
  await app.renewButton().click();
  await expect(page.getByTestId('renewal-count')).toHaveText('2');
  await expect(app.lastRenewal()).toContainText(/succeeded at [\d:]+ \(manual\) via silent frame/);
  expect((await idp.stats()).invalidGrant - before.invalidGrant).toBe(1);
  await expect(page.getByTestId('renewal-path')).toContainText('silent frame (code + PKCE; no refresh token)');
  await expect(app.userName()).toHaveText(ALICE.name);
});


test('five tabs, three lifetimes, one rotating refresh token: three token calls, no invalid_grant, every tab on the newest', async ({ app, idp }) => {
  test.slow();
  await app.goto('/');
  await app.login();
  const tabs = await openTabs(app, 5, test.info());
  for (const tab of tabs) await expect(tab.userName()).toHaveText(ALICE.name);
  const before = await idp.stats();
  await renewals(app, idp, 3);
  const after = await idp.stats();
  const calls = (after.token.authorization_code - before.token.authorization_code) + (after.token.refresh_token - before.token.refresh_token);
  expect(calls).toBe(3);
  expect(after.invalidGrant).toBe(before.invalidGrant);
  const latest = String(await app.expiresAt());
  const rt = await app.page.evaluate(() => localStorage.getItem('refresh_token'));
  for (const tab of tabs) {
    await expect(tab.page.getByTestId('expires-at')).toHaveAttribute('data-epoch-ms', latest);
    expect(await tab.page.evaluate(() => localStorage.getItem('refresh_token'))).toBe(rt);
  }
  await app.shot('five tabs after three lifetimes');
});

/** Two tabs on a session whose frame check is done; the first tab's refresh is under way when it is
 *  closed, so its answer (with the rotated refresh token) is lost with it. */
async function closeMidRefresh(app: AppPage, idp: Idp) {
  await app.goto('/');
  await app.login();
  await app.renewButton().click(); // the frame check; the next renewal uses the refresh token
  await expect(app.lastRenewal()).toContainText(/via (silent frame|refresh token)/);
  const [, survivor] = await openTabs(app, 2, test.info());
  await expect(survivor.userName()).toHaveText(ALICE.name);
  const token = await survivor.accessToken();
  // The provider rotates the first tab's refresh token and holds the answer.
  const held = (await idp.stats()).heldTokenAnswers;
  await idp.faults({ holdTokenAnswers: true });
  await app.renewButton().click();
  await expect.poll(async () => (await idp.stats()).heldTokenAnswers).toBe(held + 1);
  await survivor.renewButton().click();
  await expect(survivor.renewButton()).toBeDisabled(); // waiting for the lock
  // The tab closes before the answer comes: the token is spent and nobody gets the new one. The
  // answer is dropped, not sent late: Chromium can still run a closed page's script for a moment
  // after `close()` returns, and a late answer reaching it made the survivor adopt its session.
  await app.page.close();
  await idp.faults({ dropHeldTokenAnswers: true, holdTokenAnswers: false });
  return { survivor, token };
}

test('a tab closing mid-refresh, strict reuse detection: the grant is revoked, the frame keeps the session', async ({ app, idp }) => {
  const before = await idp.stats();
  const { survivor, token } = await closeMidRefresh(app, idp);
  await expect(survivor.lastRenewal()).toContainText(/succeeded at [\d:]+ \(manual\) via silent frame/);
  await expect.poll(() => survivor.accessToken()).not.toBe(token);
  await expect(survivor.userName()).toHaveText(ALICE.name);
  expect((await idp.stats()).invalidGrant - before.invalidGrant).toBe(1); // the survivor's refresh, refused
});

test('a tab closing mid-refresh, with an overlap period (cross-site): the other tab refreshes and nothing is lost', async ({ app, idp, configure }) => {
  await idp.restart({ issuer: CROSS_SITE_IDP, env: { IDP_REFRESH_TOKEN_OVERLAP: '10' } });
  await configure({ issuer: CROSS_SITE_IDP });
  const before = await idp.stats();
  const { survivor, token } = await closeMidRefresh(app, idp);
  await expect(survivor.lastRenewal()).toContainText(/succeeded at [\d:]+ \(manual\) via refresh token/);
  await expect.poll(() => survivor.accessToken()).not.toBe(token);
  const after = await idp.stats();
  expect(after.invalidGrant).toBe(before.invalidGrant);
  // The session goes on with refresh tokens (the frame is blocked cross-site).
  await survivor.renewButton().click();
  await expect(survivor.page.getByTestId('renewal-count')).toHaveText('2');
  await expect(survivor.lastRenewal()).toContainText('via refresh token');
});

test('no silent frame is loaded for a session whose frame is known to work while refresh tokens do', async ({ app, page, silentRequests }) => {
  await app.goto('/');
  await app.login();
  await app.renewButton().click();
  await expect(app.lastRenewal()).toContainText('via silent frame');
  await app.renewButton().click();
  await expect(app.lastRenewal()).toContainText('via refresh token');
  await app.renewButton().click();
  await expect(page.getByTestId('renewal-count')).toHaveText('3');
  expect(silentRequests.filter((r) => isSilentAuthorize(r.url))).toHaveLength(1);
});
