// Token storage and logout in the code flow. Memory storage keeps nothing token-shaped in any
// storage of the app's origin and hands the session to new tabs without asking the provider; a
// reload alone renews through the frame where it can, or asks for a login where the browser blocks
// it. Log Out revokes the refresh token and reaches every tab.
import { test, expect } from '../../fixtures';
import { ALICE, AppPage, LOGGED_OUT } from '../../pages/app';
import { APP, CROSS_SITE_IDP, IDP } from '../../playwright.config';
import type { Page } from '@playwright/test';

/** Every token the provider's token endpoint hands this page. */
function collectTokens(page: Page): Set<string> {
  const tokens = new Set<string>();
  page.on('response', async (response) => {
    if (new URL(response.url()).pathname !== '/oauth/token' || !response.ok()) return;
    const body = await response.json().catch(() => ({}));
    for (const key of ['access_token', 'id_token', 'refresh_token']) if (body[key]) tokens.add(body[key]);
  });
  return tokens;
}

/** Everything the app's origin keeps: localStorage, sessionStorage, every IndexedDB store, cookies. */
async function everythingStored(page: Page): Promise<string> {
  const inPage = await page.evaluate(async () => {
    const dump: string[] = [];
    for (const storage of [localStorage, sessionStorage]) {
      for (let i = 0; i < storage.length; i += 1) {
        const key = storage.key(i) ?? '';
        dump.push(`${key}=${storage.getItem(key)}`);
      }
    }
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(info.name ?? '');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      for (const name of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(name, 'readonly').objectStore(name).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        dump.push(`${info.name}/${name}=${JSON.stringify(all)}`);
      }
      db.close();
    }
    return dump.join('\n');
  });
  const cookies = await page.context().cookies(APP);
  return `${inPage}\n${cookies.map((c) => `${c.name}=${c.value}`).join('\n')}`;
}

test('memory storage: after login and renewals no token string is in any storage of the app origin', async ({ app, page, configure }) => {
  await configure({ tokenStorage: 'memory' });
  const tokens = collectTokens(page);
  await app.goto('/');
  await app.login();
  await app.renewButton().click(); // the frame check
  await expect(page.getByTestId('renewal-count')).toHaveText('1');
  await app.renewButton().click(); // a refresh, with rotation
  await expect(page.getByTestId('renewal-count')).toHaveText('2');
  await expect(app.lastRenewal()).toContainText('via refresh token');
  expect(tokens.size).toBeGreaterThanOrEqual(6); // three exchanges' access, ID and refresh tokens
  const stored = await everythingStored(page);
  expect(stored).toContain('auth.generation'); // the scan sees storage at all
  for (const token of tokens) expect(stored).not.toContain(token);
  expect(await app.stored()).toEqual({ ...LOGGED_OUT, seal: expect.stringMatching(/^\d+:memory$/) });
  await app.shot('memory storage: signed in, nothing stored');
});

test('memory storage: a second tab gets the session from the first with no provider call', async ({ app, page, idp, configure }) => {
  await configure({ tokenStorage: 'memory' });
  await app.goto('/');
  await app.login();
  const before = await idp.stats();
  const second = new AppPage(await page.context().newPage(), test.info());
  await second.goto('/');
  await expect(second.userName()).toHaveText(ALICE.name);
  const after = await idp.stats();
  expect(after.authorize).toBe(before.authorize);
  expect(after.token).toEqual(before.token);
  // Renewals in either tab reach the other, refresh token included.
  await second.renewButton().click();
  await expect(second.page.getByTestId('renewal-count')).toHaveText('1');
  const expires = await second.page.getByTestId('expires-at').getAttribute('data-epoch-ms');
  await expect(page.getByTestId('expires-at')).toHaveAttribute('data-epoch-ms', expires ?? '');
  await app.renewButton().click();
  await expect(app.lastRenewal()).toContainText(/succeeded at [\d:]+ \(manual\) via refresh token/);
  expect((await idp.stats()).invalidGrant).toBe(before.invalidGrant);
});

test('memory storage: a reload with no other tab renews through the frame on the same site', async ({ app, page, idp, configure }) => {
  await configure({ tokenStorage: 'memory' });
  await app.goto('/');
  await app.login();
  const before = await idp.stats();
  await page.reload();
  await expect(app.userName()).toHaveText(ALICE.name);
  const after = await idp.stats();
  expect(after.authorizeSilent - before.authorizeSilent).toBe(1);
  expect(after.token.authorization_code - before.token.authorization_code).toBe(1);
});

test('memory storage: a reload with no other tab asks for a login where the browser blocks the frame', async ({ app, page, idp, configure }) => {
  await idp.restart({ issuer: CROSS_SITE_IDP });
  await configure({ tokenStorage: 'memory', issuer: CROSS_SITE_IDP });
  await app.goto('/');
  await app.login();
  await page.reload();
  await expect(page.getByRole('alert')).toContainText('login_required');
  await expect(app.loginButton()).toBeVisible();
  await app.shot('memory storage, cross-site: a reload asks for a login');
});

test('Log Out revokes the refresh token at the provider and every tab forgets the session', async ({ app, page, idp }) => {
  await app.goto('/');
  await app.login();
  const other = new AppPage(await page.context().newPage(), test.info());
  await other.goto('/');
  await expect(other.userName()).toHaveText(ALICE.name);
  const refreshToken = await page.evaluate(() => localStorage.getItem('refresh_token')) ?? '';
  expect(await idp.refreshToken(refreshToken)).toMatchObject({ exists: true, consumed: false });
  const before = await idp.stats();

  const providerLogout = page.waitForRequest((r) => r.url().startsWith(`${IDP}/v2/logout`));
  const backHome = page.waitForResponse((r) => r.url() === `${APP}/`);
  await app.logoutButton().click();
  await expect(other.loginButton()).toBeVisible();
  await providerLogout; // after the revocation, the provider's own logout…
  await backHome; // …and back to the app
  await expect(app.loginButton()).toBeVisible();
  expect(await app.stored()).toEqual(LOGGED_OUT);
  expect(await page.evaluate(() => localStorage.getItem('refresh_token'))).toBeNull();
  expect((await idp.stats()).revocations - before.revocations).toBe(1);
  expect((await idp.refreshToken(refreshToken)).exists).toBe(false); // presenting it again fails
});

test('Log Out while a refresh is in flight: the rotated tokens it brings are not stored', async ({ app, page, configure, idp }) => {
  await configure({ localLogoutOnly: true, renewalTimeoutMs: 10_000 });
  await app.goto('/');
  await app.login();
  await app.renewButton().click(); // the frame check; the next renewal is a refresh
  await expect(page.getByTestId('renewal-count')).toHaveText('1');
  // The provider rotates the refresh token and holds its answer: the app has not seen it yet.
  const held = (await idp.stats()).heldTokenAnswers;
  await idp.faults({ holdTokenAnswers: true });
  await app.renewButton().click();
  await expect.poll(async () => (await idp.stats()).heldTokenAnswers).toBe(held + 1);
  await app.logoutButton().click();
  await expect(app.loginButton()).toBeVisible();
  const ended = page.waitForEvent('console', { predicate: (m) => /^renewal: result dropped/.test(m.text()) });
  await idp.faults({ holdTokenAnswers: false });
  await ended;
  expect(await app.stored()).toEqual(LOGGED_OUT);
  expect(await page.evaluate(() => localStorage.getItem('refresh_token'))).toBeNull();
  await page.reload();
  await expect(app.loginButton()).toBeVisible();
});

// A deployment switches token storage (or turns refresh tokens off) while people are signed in:
// what the old configuration stored must not outlive the switch unread, least of all a refresh token.
test.describe('a configuration switch leaves nothing behind', () => {
  const refreshTokenOf = (page: Page) => page.evaluate(() => localStorage.getItem('refresh_token'));

  test('local → memory: the stored tokens go at start and the refresh token is revoked', async ({ app, page, idp, configure }) => {
    await app.goto('/');
    await app.login();
    const refreshToken = await refreshTokenOf(page) ?? '';
    expect(await idp.refreshToken(refreshToken)).toMatchObject({ exists: true });
    const before = await idp.stats();
    await configure({ tokenStorage: 'memory' });
    await page.reload();
    await expect.poll(() => app.stored()).toEqual({ ...LOGGED_OUT, seal: expect.stringMatching(/^\d+:memory$/) });
    expect(await refreshTokenOf(page)).toBeNull();
    expect(await page.evaluate(() => localStorage.getItem('token_type'))).toBeNull();
    await expect.poll(async () => (await idp.stats()).revocations - before.revocations).toBe(1);
    expect((await idp.refreshToken(refreshToken)).exists).toBe(false);
    await expect(app.userName()).toHaveText(ALICE.name); // the session itself goes on, in memory
  });

  test('memory → local: memory storage\'s mark goes at start', async ({ app, page, configure }) => {
    await configure({ tokenStorage: 'memory' });
    await app.goto('/');
    await app.login();
    expect((await app.stored()).seal).toMatch(/^\d+:memory$/);
    await configure({});
    await page.goto(`${APP}/`); // a new document, with no other tab to hand it the session
    await expect.poll(async () => (await app.stored()).seal ?? '').not.toMatch(/:memory$/);
  });

  test('refresh tokens turned off: the stored refresh token is revoked and removed, the session kept', async ({ app, page, idp, configure }) => {
    await app.goto('/');
    await app.login();
    const refreshToken = await refreshTokenOf(page) ?? '';
    expect(refreshToken).not.toBe('');
    const before = await idp.stats();
    await configure({ useRefreshTokens: false });
    await page.reload();
    await expect.poll(() => refreshTokenOf(page)).toBeNull();
    await expect.poll(async () => (await idp.stats()).revocations - before.revocations).toBe(1);
    expect((await idp.refreshToken(refreshToken)).exists).toBe(false);
    await expect(app.userName()).toHaveText(ALICE.name);
    await page.reload(); // the session written again without it still reads as whole
    await expect(app.userName()).toHaveText(ALICE.name);
  });
});
