// One owner of the session: after Log Out nothing brings the session back (not a renewal answered
// late, not another tab); a renewal that fails never makes an API call go out without the token that
// is still valid; retries that run out before expiry are not called "expired".
import { test, expect, answerSilently, isSilentAuthorize } from '../fixtures';
import { AppPage, LOGGED_OUT } from '../pages/app';
import type { Page, Route } from '@playwright/test';

/** Lets the provider answer the next silent /authorize, but holds its answer until `release()`. */
async function holdSilentAnswer(page: Page) {
  let answered!: () => void;
  let release!: () => void;
  const answeredP = new Promise<void>((r) => (answered = r));
  const released = new Promise<void>((r) => (release = r));
  await page.route(isSilentAuthorize, async (route: Route) => {
    const response = await route.fetch({ maxRedirects: 0 });
    answered();
    await released;
    await route.fulfill({ response });
  }, { times: 1 });
  return { answered: answeredP, release };
}

/** Resolves when the app logs the end of a renewal (success, failure or dropped result). */
const renewalEnded = (page: Page) =>
  page.waitForEvent('console', { predicate: (m) => /^renewal: /.test(m.text()) && !/no session/.test(m.text()), timeout: 15_000 });

test('Log Out while a renewal is in flight: its late answer stores nothing, and a reload stays logged out', async ({ app, page, configure }) => {
  await configure({ localLogoutOnly: true, renewalTimeoutMs: 10_000 });
  await app.goto('/');
  await app.login();
  const held = await holdSilentAnswer(page);
  await app.renewButton().click();
  await held.answered;

  await app.logoutButton().click();
  await expect(app.loginButton()).toBeVisible();
  expect(await app.stored()).toEqual(LOGGED_OUT);

  const ended = renewalEnded(page);
  held.release();
  await ended;
  expect(await app.stored()).toEqual(LOGGED_OUT);
  await page.reload();
  await expect(app.loginButton()).toBeVisible();
  await expect(app.userName()).toHaveCount(0);
  expect(await app.stored()).toEqual(LOGGED_OUT);
});

test('Log Out in one tab while another tab renews: the renewing tab drops its answer and no tab signs back in', async ({ app, page, configure }) => {
  await configure({ renewalTimeoutMs: 10_000 });
  await app.goto('/');
  await app.login();
  const other = new AppPage(await page.context().newPage(), test.info());
  await other.goto('/');
  await expect(other.userName()).toBeVisible();

  const held = await holdSilentAnswer(page);
  await app.renewButton().click();
  await held.answered; // the provider has issued new tokens; the app has not seen them yet

  await other.logOutThroughProvider(); // back on the app's page, not only its Log In button shown
  await expect(app.loginButton()).toBeVisible(); // the renewing tab followed the logout

  const ended = renewalEnded(page);
  held.release();
  await ended;
  expect(await app.stored()).toEqual(LOGGED_OUT);
  for (const tab of [app, other]) {
    await tab.page.reload();
    await expect(tab.loginButton()).toBeVisible();
    await expect(tab.userName()).toHaveCount(0);
  }
  expect(await other.stored()).toEqual(LOGGED_OUT);
});

test('an API call waiting for a renewal that fails uses the token that is still valid', async ({ app, page }) => {
  await app.goto('/');
  await app.login();
  const token = await app.accessToken();
  await page.getByRole('link', { name: 'Ping API' }).click();

  // The provider answers the renewal with a transient error, once the API call is waiting for it.
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await page.route(isSilentAuthorize, async (route) => {
    await released;
    await answerSilently(route, { error: 'temporarily_unavailable', error_description: 'try later' });
  }, { times: 1 });
  const sent: string[] = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/private')) sent.push(r.headers()['authorization'] ?? '(none)'); });

  await app.renewButton().click();
  await page.getByRole('button', { name: 'Call private API' }).click();
  await expect(app.renewButton()).toBeDisabled();
  expect(sent).toHaveLength(0); // waiting for the renewal
  release();
  await expect(page.getByTestId('/api/private')).toContainText('"sub": "auth0|dev-alice"');
  expect(sent).toEqual([`Bearer ${token}`]);
});

test('a failure whose retry would land after expiry says "retries exhausted" and the token stays usable until expiry', async ({ app, page }) => {
  await page.clock.install();
  await app.goto('/');
  await app.login();
  const token = await app.accessToken();
  const expiresAt = await app.expiresAt();

  // The laptop sleeps until 1.5 s before expiry and wakes to a provider answering a transient error:
  // the first retry (2 s ± 20 %) would come after expiry.
  await page.route(isSilentAuthorize, (route) => answerSilently(route, { error: 'temporarily_unavailable' }));
  await page.clock.pauseAt(Date.now() + 500);
  await page.clock.setSystemTime(expiresAt - 1_500);
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await expect(app.attempts()).toHaveText('1');
  const status = page.getByTestId('next-renewal-status');
  await expect(status).toContainText('retries exhausted');
  await expect(status).toContainText('token valid until');
  await expect(app.expiredAlert()).toHaveCount(0);
  expect(await app.accessToken()).toBe(token);
  await app.shot('retries exhausted, token still valid');

  // The status re-renders once a second: 3 s from 1.5 s before expiry include a tick after it.
  await page.clock.runFor(3_000);
  await expect(app.expiredAlert()).toBeVisible();
});
