// Faults never drop a live session: sleep and throttled tabs, the provider down, slow or back with
// new keys, the API refusing a token, the backend's API down.
import { test, expect, E2E_RENEWAL_TIMEOUT_MS, isSilentAuthorize } from '../fixtures';
import { ALICE } from '../pages/app';
import { API } from '../playwright.config';

test('a tab that slept past the due time renews at once when it wakes', async ({ app, page, silentRequests }) => {
  await page.clock.install();
  await app.goto('/');
  await app.login();
  const expiresAt = await app.expiresAt();
  // The machine sleeps: the clock jumps past the due time and no timer fires.
  await page.clock.pauseAt(Date.now() + 500);
  await page.clock.setSystemTime(expiresAt - 1000);
  expect(silentRequests).toHaveLength(0);
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await expect.poll(() => silentRequests.length).toBe(1);
  await expect(app.lastRenewal()).toContainText('succeeded');
  expect(await app.expiresAt()).toBeGreaterThan(expiresAt);
});

test('provider down at the due time, back before expiry: retried with backoff, session kept, new keys followed', async ({ app, page, idp }) => {
  await idp.restart({ ttl: 120 }); // a 30-second window between the due time and expiry
  await page.clock.install();
  await app.goto('/');
  await app.login();
  const token = await app.accessToken();
  const expiresAt = await app.expiresAt();

  await idp.stop();
  await page.clock.fastForward(expiresAt - 30_000 - Date.now() + 500);
  await expect(app.lastRenewal()).toContainText('identity provider is unreachable');
  await expect(app.attempts()).not.toHaveText('0');
  expect(await app.accessToken()).toBe(token); // a transient error never discards a valid token
  await app.shot('provider down: retrying');

  await idp.start({ ttl: 120 }); // same sessions, a new signing key
  await expect(app.lastRenewal()).toContainText('succeeded', { timeout: 20_000 });
  await expect(app.attempts()).toHaveText('0');
  expect(await app.accessToken()).not.toBe(token);

  // The API follows the new key too (the backend refetches its JWKS on the unknown kid).
  await page.getByRole('link', { name: 'Ping API' }).click();
  await page.getByRole('button', { name: 'Call private API' }).click();
  await expect(page.getByTestId('/api/private')).toContainText('"sub": "auth0|dev-alice"');
});

test('provider down past expiry: the session shows as expired with Retry and Log In; Retry works once it is back', async ({ app, page, idp }) => {
  await idp.restart({ ttl: 120 });
  await page.clock.install();
  await app.goto('/');
  await app.login();
  const expiresAt = await app.expiresAt();
  await idp.stop();
  await page.clock.fastForward(expiresAt - 30_000 - Date.now() + 500);
  await expect(app.lastRenewal()).toContainText('unreachable');
  await page.clock.fastForward(31_000);
  await expect(app.expiredAlert()).toBeVisible();
  await expect(app.expiredAlert().getByRole('button', { name: 'Log In' })).toBeVisible();
  await app.shot('expired while the provider is down');

  await idp.start({ ttl: 120 });
  await app.expiredAlert().getByRole('button', { name: 'Retry' }).click();
  await expect(app.lastRenewal()).toContainText(/succeeded at [\d:]+ \(manual\)/);
  await expect(app.expiredAlert()).toHaveCount(0);
  expect(await app.expiresAt()).toBeGreaterThan(expiresAt);
});

test('a provider slower than the timeout: a typed timeout naming the step, then the retry succeeds', async ({ app, idp }) => {
  await app.goto('/');
  await app.login();
  const token = await app.accessToken();
  await idp.faults({ authorizeDelayMs: E2E_RENEWAL_TIMEOUT_MS + 2000 });
  await app.renewButton().click();
  await expect(app.lastRenewal()).toContainText(`no answer within`);
  await expect(app.lastRenewal()).toContainText('step: loading /authorize in the hidden frame');
  expect(await app.accessToken()).toBe(token);
  await app.shot('renewal timed out');
  await idp.faults({ authorizeDelayMs: 0 });
  await expect(app.lastRenewal()).toContainText(/succeeded at [\d:]+ \(automatic\)/, { timeout: 20_000 });
  await expect.poll(() => app.accessToken()).not.toBe(token);
});

test('an API 401 triggers one renewal and one retry, never a loop', async ({ app, page, silentRequests }) => {
  await app.goto('/');
  await app.login();
  await page.getByRole('link', { name: 'Ping API' }).click();
  const tokensSeen: string[] = [];
  let refuseAll = false;
  await page.route(`${API}/api/private`, async (route) => {
    tokensSeen.push(route.request().headers()['authorization'] ?? '');
    if (tokensSeen.length === 1 || refuseAll) {
      await route.fulfill({ status: 401, headers: { 'access-control-allow-origin': '*' }, json: { error: 'invalid_token', error_description: 'token revoked' } });
    } else {
      await route.continue();
    }
  });
  await page.getByRole('button', { name: 'Call private API' }).click();
  await expect(page.getByTestId('/api/private')).toContainText('"sub": "auth0|dev-alice"');
  expect(tokensSeen).toHaveLength(2);
  expect(tokensSeen[1]).not.toBe(tokensSeen[0]);
  expect(silentRequests).toHaveLength(1);

  refuseAll = true;
  await page.getByRole('button', { name: 'Call private API' }).click();
  await expect(page.getByTestId('/api/private')).toContainText('HTTP 401: token revoked');
  expect(tokensSeen).toHaveLength(4);
  expect(silentRequests).toHaveLength(2);
  await page.getByRole('link', { name: 'Home' }).click();
  await expect(app.lastRenewal()).toContainText('(after an API 401)');
});

test('an API call made during a renewal waits for it and uses the new token', async ({ app, page }) => {
  await app.goto('/');
  await app.login();
  await page.getByRole('link', { name: 'Ping API' }).click();
  const old = await app.accessToken();
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route(isSilentAuthorize, async (route) => {
    await held;
    await route.continue();
  });
  const apiCalls: string[] = [];
  page.on('request', (r) => { if (r.url() === `${API}/api/private`) apiCalls.push(r.headers()['authorization'] ?? ''); });
  await app.renewButton().click();
  await page.getByRole('button', { name: 'Call private API' }).click();
  await expect(app.renewButton()).toBeDisabled();
  expect(apiCalls).toHaveLength(0);
  release();
  await expect(page.getByTestId('/api/private')).toContainText('"sub": "auth0|dev-alice"');
  expect(apiCalls).toHaveLength(1);
  expect(apiCalls[0]).not.toBe(`Bearer ${old}`);
  expect(apiCalls[0]).toBe(`Bearer ${await app.accessToken()}`);
});

test('with the backend API down, calls say so clearly and renewal is unaffected', async ({ app, page }) => {
  await app.goto('/');
  await app.login();
  await page.route(`${API}/api/**`, (route) => route.abort('connectionrefused'));
  await page.getByRole('link', { name: 'Ping API' }).click();
  await page.getByRole('button', { name: 'Call public API' }).click();
  await expect(page.getByTestId('/api/public')).toContainText(`${API}/api/public unreachable`);
  await app.shot('API down');
  await app.renewButton().click();
  await page.getByRole('link', { name: 'Home' }).click();
  await expect(app.lastRenewal()).toContainText(/succeeded at [\d:]+ \(manual\)/);
});
