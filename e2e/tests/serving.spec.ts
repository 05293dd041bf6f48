// How the backend's --spa-port serves the built app: precompressed brotli or gzip with the right
// headers, immutable caching for content-hashed assets, revalidation for the rest, and a page that
// is never stored (it carries a one-time CSP nonce).
import { createHash } from 'node:crypto';
import { test, expect } from '../fixtures';
import { APP } from '../playwright.config';

test('assets come precompressed, hashed ones cached for good, the page and config revalidated', async ({ request }) => {
  const page = await request.get(`${APP}/`);
  expect(page.headers()['cache-control']).toBe('no-store');
  const html = await page.text();
  // Attributes quoted or not: trunk minifies the page in release builds.
  const assets = [...html.matchAll(/(?:src|href)=["']?\/([^"'\s>]+-[0-9a-f]{1,16}(?:_bg\.wasm|\.js|\.css))/g)].map((m) => m[1]);
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

test('every integrity hash in the page is that of the asset served, in each encoding', async ({ request }) => {
  // The JS glue is minified after trunk wrote its hash (scripts/minify-glue.mjs rewrites it): a stale
  // hash would make the browser refuse the preloaded glue.
  const html = await (await request.get(`${APP}/`)).text();
  const pinned = [...html.matchAll(/href=["']?\/([^"'\s>]+)["']?[^>]*integrity=["']?(sha384-[A-Za-z0-9+/]+={0,2})/g)].map((m) => [m[1], m[2]]);
  expect(pinned.map(([asset]) => asset.replace(/-[0-9a-f]{1,16}/, '-<hash>')).sort()).toEqual(
    ['frontend-<hash>.js', 'frontend-<hash>_bg.wasm', 'styles-<hash>.css'],
  );
  for (const [asset, integrity] of pinned) {
    for (const accept of ['br', 'gzip', 'identity']) {
      const body = await (await request.get(`${APP}/${asset}`, { headers: { 'accept-encoding': accept } })).body();
      expect(`sha384-${createHash('sha384').update(body).digest('base64')}`, `${asset} with ${accept}`).toBe(integrity);
    }
  }
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
