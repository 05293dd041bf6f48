// Start-up: a reload shows the stored session without waiting for the provider (the discovery
// document this tab kept is used, checked like a fresh one, and refreshed in the background), and
// a kept document that fails the checks is dropped for a fresh one.
import { test, expect } from '../fixtures';
import { APP, IDP } from '../playwright.config';

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
  // Kept as `{issuer, discovery}`: the issuer it was fetched for, and the document.
  const kept = await page.evaluate(() => JSON.parse(sessionStorage.getItem('auth.discovery') ?? 'null'));
  expect(kept?.issuer).toBe(IDP);
  const asked: string[] = [];
  page.on('request', (r) => { if (r.url() === DISCOVERY) asked.push(r.url()); });
  // Under the right key, a document that says it is another issuer's (with its own endpoints).
  await page.evaluate(() => {
    const kept = JSON.parse(sessionStorage.getItem('auth.discovery') ?? '{}');
    const forged = { ...kept.discovery, issuer: 'https://evil.example/', authorization_endpoint: 'https://evil.example/authorize' };
    sessionStorage.setItem('auth.discovery', JSON.stringify({ ...kept, discovery: forged }));
  });
  await page.reload();
  await expect(app.userName()).toBeVisible();
  // Fetched fresh before the start went on (the forged one was not used) and kept in its place.
  expect(asked.length).toBeGreaterThanOrEqual(1);
  const now = await page.evaluate(() => JSON.parse(sessionStorage.getItem('auth.discovery') ?? 'null'));
  expect(now?.discovery.issuer).toBe(IDP);
  // The login button leads to the real provider, not the forged endpoint.
  await app.logOutThroughProvider();
  await app.loginButton().click();
  await expect(page.getByRole('heading', { name: /Log in to/ })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`^${IDP}/`));
});

test('the page reads the configuration once, while the wasm downloads, and the app starts from that read', async ({ app, page }) => {
  await app.goto('/');
  await app.login();
  const asked: string[] = [];
  page.on('request', (r) => { if (r.url().endsWith('/auth_config.json')) asked.push(r.resourceType()); });
  await page.reload();
  await expect(app.userName()).toBeVisible();
  // One request: the page's own read (index.html). An app that fetched it again would make two.
  expect(asked).toEqual(['fetch']);
  expect(await page.evaluate(() => typeof (window as unknown as { authConfigRead?: unknown }).authConfigRead)).toBe('object');
  // The read comes before any stylesheet: a classic script after one waits for it to load (in
  // Firefox that held the whole page back ~60 ms).
  // (The release page is minified: attributes may be unquoted.)
  const html = await (await page.request.get(`${APP}/`)).text();
  const [read, stylesheet] = [html.indexOf('window.authConfigRead'), html.search(/rel=["']?stylesheet/)];
  expect(read).toBeGreaterThan(0);
  expect(stylesheet).toBeGreaterThan(read);
});

test('an early read of the wrong shape is not used: the app fetches its configuration itself', async ({ app, page }) => {
  await app.goto('/');
  await app.login();
  // The page as served (same headers, same nonce), with the early read replaced by a promise of
  // something that is not {status, text}. Once only: while a context has any route, Playwright holds
  // every request of it (~40 ms each in Firefox), and the app's start-up behind the page (wasm,
  // configuration, discovery) once timed out under CI's load.
  await page.route(`${APP}/`, async (route) => {
    const served = await route.fetch();
    // The whole early read, up to the end of its script (the release page is minified).
    const html = (await served.text()).replace(/window\.authConfigRead\s*=\s*fetch\([\s\S]*?(?=<\/script>)/, 'window.authConfigRead = Promise.resolve({ status: "ok" });');
    expect(html).toContain('Promise.resolve({ status: "ok" })');
    await route.fulfill({ response: served, body: html });
  }, { times: 1 });
  const asked: string[] = [];
  page.on('request', (r) => { if (r.url().endsWith('/auth_config.json')) asked.push(r.url()); });
  await page.reload();
  await expect(app.userName()).toBeVisible();
  expect(asked).toHaveLength(1); // the app's own fetch: the page no longer reads it
});
