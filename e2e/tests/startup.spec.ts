// Start-up: a reload shows the stored session without waiting for the provider (the discovery
// document this tab kept is used, checked like a fresh one, and refreshed in the background), and
// a kept document that fails the checks is dropped for a fresh one.
import { test, expect } from '../fixtures';
import { IDP } from '../playwright.config';

const DISCOVERY = `${IDP}/.well-known/openid-configuration`;

test('a reload shows the stored session while the provider does not answer its discovery document', async ({ app, page }) => {
  await app.goto('/');
  await app.login();
  const asked: string[] = [];
  page.on('request', (r) => { if (r.url() === DISCOVERY) asked.push(r.url()); });
  // The provider's discovery document hangs: a start that waited for it would show "Loading…".
  await page.route(DISCOVERY, () => {});
  await page.reload();
  await expect(app.userName()).toBeVisible();
  await expect(page.getByText('Loading…')).toHaveCount(0);
  // The kept document is refreshed in the background all the same.
  await expect.poll(() => asked.length).toBe(1);
});

test('a kept discovery document that names another issuer is dropped and fetched again', async ({ app, page }) => {
  await app.goto('/');
  await app.login();
  const kept = await page.evaluate(() => sessionStorage.getItem('auth.discovery'));
  expect(kept?.split('\n')[0]).toBe(IDP);
  const asked: string[] = [];
  page.on('request', (r) => { if (r.url() === DISCOVERY) asked.push(r.url()); });
  // Under the right key, a document that says it is another issuer's (with its own endpoints).
  await page.evaluate((idp) => {
    const [, document] = (sessionStorage.getItem('auth.discovery') ?? '').split('\n');
    const forged = { ...JSON.parse(document), issuer: 'https://evil.example/', authorization_endpoint: 'https://evil.example/authorize' };
    sessionStorage.setItem('auth.discovery', `${idp}\n${JSON.stringify(forged)}`);
  }, IDP);
  await page.reload();
  await expect(app.userName()).toBeVisible();
  // Fetched fresh before the start went on (the forged one was not used) and kept in its place.
  expect(asked.length).toBeGreaterThanOrEqual(1);
  const now = await page.evaluate(() => sessionStorage.getItem('auth.discovery') ?? '');
  expect(JSON.parse(now.split('\n')[1]).issuer).toBe(IDP);
  // The login button leads to the real provider, not the forged endpoint.
  await app.logoutButton().click();
  await app.loginButton().click();
  await expect(page).toHaveURL(new RegExp(`^${IDP}/`));
});
