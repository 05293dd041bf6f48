// How the backend's --spa-port serves the built app: precompressed brotli or gzip with the right
// headers, immutable caching for content-hashed assets, revalidation for the rest, and a page that
// is never stored (it carries a one-time CSP nonce).
import { test, expect } from '../fixtures';
import { APP } from '../playwright.config';

test('assets come precompressed, hashed ones cached for good, the page and config revalidated', async ({ request }) => {
  const page = await request.get(`${APP}/`);
  expect(page.headers()['cache-control']).toBe('no-store');
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="\/([^"]+-[0-9a-f]{16}(?:_bg\.wasm|\.js|\.css))"/g)].map((m) => m[1]);
  expect(assets.length).toBeGreaterThanOrEqual(3); // the glue, the wasm, the stylesheet
  for (const asset of new Set(assets)) {
    for (const [accept, encoding] of [['gzip, deflate, br', 'br'], ['gzip', 'gzip'], ['identity', undefined]] as const) {
      const response = await request.get(`${APP}/${asset}`, { headers: { 'accept-encoding': accept } });
      expect(response.status(), asset).toBe(200);
      expect(response.headers()['content-encoding'], `${asset} with ${accept}`).toBe(encoding);
      expect(response.headers()['vary']).toBe('Accept-Encoding');
      expect(response.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    }
  }
  const config = await request.get(`${APP}/auth_config.json`);
  expect(config.headers()['cache-control']).toBe('no-cache');
});

test('the browser loads the app from compressed assets', async ({ app, page }) => {
  const seen: string[] = [];
  page.on('response', (response) => {
    if (/_bg\.wasm$/.test(response.url())) seen.push(response.headers()['content-encoding'] ?? 'none');
  });
  await app.goto('/');
  await expect.poll(() => seen.length).toBe(1);
  // Brotli or gzip, whichever the engine asks for (Chromium asks for brotli on localhost; the
  // request headers Playwright reports are the provisional ones, so the answer is what is checked).
  expect(['br', 'gzip']).toContain(seen[0]);
});
