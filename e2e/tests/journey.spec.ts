// The whole journey on the real stack with a short token lifetime: login, profile, API, automatic
// renewal before expiry, manual renewal without stacked timers, reload, logout, ended session.
import { test, expect } from '../fixtures';
import { ALICE, LOGGED_OUT } from '../pages/app';
import { API, APP, ACCESS_TOKEN_TTL, IDP } from '../playwright.config';

test('login → profile → API → automatic and manual renewal → reload → logout → ended session', async ({ app, page, silentRequests }) => {
  await test.step('log in as the dev user', async () => {
    await app.goto('/');
    await app.shot('home, logged out');
    await app.login();
    await expect(page.getByTestId('next-renewal')).toBeVisible();
    // The tutorial's keys, in its plain format: a tool reading them gets a token, not a quoted string.
    const stored = await app.stored();
    expect(stored.access_token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(stored.id_token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(stored.expires_at).toMatch(/^\d{13}$/);
    await app.shot('home, logged in');
  });

  await test.step('the profile shows the dev user from /userinfo', async () => {
    await page.getByRole('link', { name: 'Profile' }).click();
    await expect(page.getByTestId('profile-name')).toHaveText(ALICE.name);
    await expect(page.getByTestId('profile-email')).toHaveText(ALICE.email);
    await expect(page.getByText('Profile from /userinfo.')).toBeVisible();
    await expect(page.getByRole('img', { name: `Picture of ${ALICE.name}` })).toBeVisible();
    await app.shot('profile');
  });

  await test.step('private and scoped API calls work', async () => {
    await page.getByRole('link', { name: 'Ping API' }).click();
    await page.getByRole('button', { name: 'Call private API' }).click();
    await expect(page.getByTestId('/api/private')).toContainText('"sub": "auth0|dev-alice"');
    await page.getByRole('button', { name: 'Call scoped API (read:messages)' }).click();
    await expect(page.getByTestId('/api/private-scoped')).toContainText('read:messages');
    await app.shot('ping');
  });

  let token = await app.accessToken();
  await test.step('an automatic renewal happens before expiry and brings a new access token', async () => {
    const expiresAt = await app.expiresAt();
    expect(silentRequests).toHaveLength(0);
    await expect.poll(() => silentRequests.length, { timeout: (ACCESS_TOKEN_TTL + 5) * 1000 }).toBe(1);
    expect(silentRequests[0].at).toBeLessThan(expiresAt);
    expect(silentRequests[0].url.searchParams.get('redirect_uri')).toBe(`${API}/silent`);
    await expect.poll(() => app.accessToken()).not.toBe(token);
    expect(await app.expiresAt()).toBeGreaterThan(expiresAt);
    token = await app.accessToken();
  });

  await test.step('the API works with the renewed token', async () => {
    const response = page.waitForResponse((r) => r.url() === `${API}/api/private` && r.status() === 200);
    await page.getByRole('button', { name: 'Call private API' }).click();
    expect((await response).request().headers()['authorization']).toBe(`Bearer ${token}`);
  });

  await test.step('Renew Token renews once and leaves exactly one timer', async () => {
    await page.getByRole('link', { name: 'Home' }).click();
    const before = silentRequests.length;
    await app.renewButton().click();
    await expect(app.lastRenewal()).toContainText('(manual)');
    expect(silentRequests).toHaveLength(before + 1);
    await expect.poll(() => app.accessToken()).not.toBe(token);
    await expect.poll(() => app.renewalTimers()).toBe(1);
    await expect(page.getByTestId('renewal-count')).toHaveText('2');
    await app.shot('home after a manual renewal');
  });

  await test.step('a reload keeps the session and its schedule', async () => {
    const expiresAt = await app.expiresAt();
    const before = silentRequests.length;
    await page.reload();
    await expect(app.userName()).toHaveText(ALICE.name);
    await expect(page.getByTestId('expires-at')).toHaveAttribute('data-epoch-ms', String(expiresAt));
    await expect(page.getByTestId('next-renewal')).toBeVisible();
    await expect.poll(() => app.renewalTimers()).toBe(1);
    expect(silentRequests).toHaveLength(before);
  });

  await test.step('the provider session ends elsewhere: a renewal says so and removes the tokens', async () => {
    const elsewhere = await page.context().newPage();
    await elsewhere.goto(`${IDP}/v2/logout?client_id=dev-spa-implicit&returnTo=${encodeURIComponent(`${APP}/`)}`);
    await elsewhere.waitForURL(`${APP}/`);
    await elsewhere.close();
    const before = silentRequests.length;
    await app.renewButton().click();
    await expect(page.getByRole('alert')).toContainText('Your session has ended at the identity provider');
    await expect(page.getByRole('alert')).toContainText('login_required');
    expect(silentRequests).toHaveLength(before + 1);
    expect(await app.stored()).toEqual(LOGGED_OUT);
    await app.shot('session ended at the provider');
  });

  await test.step('Log Out clears the keys and ends the provider session', async () => {
    await app.login();
    await app.logOutThroughProvider();
    await expect(page).toHaveURL('/');
    expect(await app.stored()).toEqual(LOGGED_OUT);
    await app.shot('home after logout');
    // The provider forgot the user too: Log In shows its login form again.
    await app.loginButton().click();
    await expect(page.getByRole('heading', { name: /Log in to/ })).toBeVisible();
  });
});

test('after Log Out no renewal is attempted, even past the old expiry', async ({ app, page, silentRequests }) => {
  await page.clock.install();
  await app.goto('/');
  await app.login();
  const expiresAt = await app.expiresAt();
  await app.logOutThroughProvider();
  await page.clock.fastForward(expiresAt - Date.now() + 5_000);
  await expect(page.getByRole('heading', { name: 'You are not logged in' })).toBeVisible();
  await expect(page.locator('iframe[data-silent-renewal]')).toHaveCount(0);
  expect(silentRequests).toHaveLength(0);
});

test('with localLogoutOnly, Log Out clears this app only and the provider session lives on', async ({ app, page, configure }) => {
  await configure({ localLogoutOnly: true });
  await app.goto('/');
  await app.login();
  const providerPages: string[] = [];
  page.on('request', (r) => { if (r.url().startsWith(`${IDP}/v2/logout`)) providerPages.push(r.url()); });
  await app.logoutButton().click();
  await expect(app.loginButton()).toBeVisible();
  expect(await app.stored()).toEqual(LOGGED_OUT);
  expect(providerPages).toHaveLength(0);
  // The provider still knows the user: Log In comes straight back without its login form.
  await app.loginButton().click();
  await expect(app.userName()).toHaveText(ALICE.name);
});
