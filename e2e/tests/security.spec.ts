// Forged and replayed responses change nothing: messages from another origin or another window,
// even with the right state, are ignored; a replayed login response is refused.
import { test, expect, answerSilently, isSilentAuthorize } from '../fixtures';
import { ALICE } from '../pages/app';
import { API, APP, IDP } from '../playwright.config';

test('forged renewal messages are ignored and the real renewal still lands', async ({ app, page }) => {
  await app.goto('/');
  await app.login();
  const token = await app.accessToken();

  // Hold the provider's answer so the app is waiting for the silent page while we forge.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let state = '';
  await page.route(isSilentAuthorize, async (route) => {
    state = new URL(route.request().url()).searchParams.get('state') ?? '';
    await held;
    await route.continue();
  });
  await app.renewButton().click();
  await expect.poll(() => state).not.toBe('');

  const forged = { type: 'silent-renewal', hash: `#error=login_required&state=${state}`, search: '' };
  // From another origin, and from a window at the silent page's own origin that is not our iframe.
  for (const src of [`${IDP}/healthz`, `${API}/api/public`]) {
    await page.evaluate((s) => new Promise<void>((resolve) => {
      const frame = document.createElement('iframe');
      frame.className = 'forger';
      frame.onload = () => resolve();
      frame.src = s;
      document.body.append(frame);
    }), src);
    const forger = page.frames().find((f) => f.url() === src);
    await forger?.evaluate((m) => parent.postMessage(m, '*'), forged);
  }
  // And from the app window itself.
  await page.evaluate((m) => window.postMessage(m, '*'), forged);

  release();
  await expect(app.lastRenewal()).toContainText('succeeded');
  await expect(app.userName()).toHaveText(ALICE.name);
  await expect(page.getByText('Your session has ended')).toHaveCount(0);
  await expect.poll(() => app.accessToken()).not.toBe(token);
});

test('a replayed login response is refused and the session is unchanged', async ({ app, page }) => {
  let redirect = '';
  page.on('response', (response) => {
    const location = response.headers()['location'] ?? '';
    if (location.includes('/callback#')) redirect = location;
  });
  await app.goto('/');
  await app.login();
  expect(redirect).toContain('access_token=');
  const stored = await app.stored();

  await page.goto(redirect);
  await expect(page.getByRole('alert')).toContainText('your current session is unchanged');
  await expect(page.getByRole('alert')).toContainText('unknown or already used state');
  expect(new URL(page.url()).hash).toBe('');
  expect(await app.stored()).toEqual(stored);
  await app.shot('replayed login response refused');
});

test('a renewal answered with a replayed token is rejected, the session kept, and not retried in a loop', async ({ app, page, silentRequests }) => {
  await app.goto('/');
  await app.login();
  const stored = await app.stored();
  const [accessToken, idToken] = [stored.access_token ?? '', stored.id_token ?? ''];
  // The provider's answer is replaced by the tokens of the earlier login (right state, old nonce).
  await page.route(isSilentAuthorize, (route) =>
    answerSilently(route, { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: '60' }), { times: 1 });
  await app.renewButton().click();
  await expect(app.lastRenewal()).toContainText('token rejected: token nonce does not match the request');
  await expect(page.getByText('paused — the last response was rejected; use Renew Token')).toBeVisible();
  expect(await app.stored()).toEqual(stored);
  expect(silentRequests).toHaveLength(1);
  await app.shot('a rejected renewal response');

  await app.renewButton().click();
  await expect(app.lastRenewal()).toContainText(/succeeded at [\d:]+ \(manual\)/);
  expect(silentRequests).toHaveLength(2);
});

test('a provider error on the login redirect is shown, not swallowed', async ({ app, page }) => {
  await app.goto('/profile');
  await page.route((url) => url.pathname === '/authorize' && !url.searchParams.has('prompt'), async (route) => {
    const state = new URL(route.request().url()).searchParams.get('state') ?? '';
    const fragment = new URLSearchParams({ error: 'access_denied', error_description: 'The user cancelled the login', state });
    await route.fulfill({ status: 302, headers: { location: `${APP}/callback#${fragment}` } });
  });
  await app.loginButton().click();
  await expect(page.getByRole('alert')).toContainText('Login did not complete.');
  await expect(page.getByRole('alert')).toContainText('access_denied: The user cancelled the login');
  expect(new URL(page.url()).hash).toBe('');
  await expect(page.getByRole('button', { name: 'Log In' }).first()).toBeVisible();
  await app.shot('login error shown');
});

test('a missing or invalid configuration gives a page that says what is wrong', async ({ page, configure }) => {
  const cannotStart = async (expected: string) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'The app cannot start' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText(expected);
  };
  // Not JSON at all, served in the file's place.
  await page.route('**/auth_config.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: `{"issuer": "${IDP}"` }));
  await cannotStart('auth_config.json');
  await page.unrouteAll();
  // JSON with one value the app refuses: a relative redirect URI.
  await configure({ redirectUri: '/callback' });
  await cannotStart('`redirectUri` must be an absolute http(s) URL');
});
