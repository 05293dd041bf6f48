// Browser figures for `make bench`: silent-renewal latency per path (renewal start → verified
// session committed, as the app logs it) over N renewals, and navigation → restored session
// rendered.
import { chromium } from 'playwright-core';
import { ARGS, MODES, RENEWED, configure, login, pct } from './modes.mjs';

const APP = 'http://localhost:5000';
const RENEWALS = Number(process.env.BENCH_RENEWALS ?? 30);
const RELOADS = Number(process.env.BENCH_RELOADS ?? 20);
const ms = (x) => `${Math.round(x)} ms`;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
for (const mode of MODES) {
  const context = await browser.newContext();
  await configure(context, mode.config);
  const page = await context.newPage();
  const latencies = [];
  page.on('console', (m) => {
    const hit = RENEWED.exec(m.text());
    if (hit && !hit[2] && (hit[1] ?? null) === mode.via) latencies.push(Number(hit[3]));
  });
  await login(page, APP);
  // With refresh tokens the first renewal of a session checks the frame: not counted.
  const clicks = RENEWALS + (mode.config.useRefreshTokens ? 1 : 0);
  for (let i = 1; i <= clicks; i += 1) {
    await page.getByRole('button', { name: 'Renew Token' }).click();
    await page.getByTestId('renewal-count').filter({ hasText: new RegExp(`^${i}$`) }).waitFor();
  }
  console.log(`renewal latency, ${mode.name}: p50 ${ms(pct(latencies, 50))}, p95 ${ms(pct(latencies, 95))}, max ${ms(Math.max(...latencies))} over ${latencies.length} renewals`);
  await context.close();
}

const context = await browser.newContext();
const page = await context.newPage();
await page.addInitScript(() => {
  new MutationObserver((_, obs) => {
    if (document.querySelector('[data-testid="user-name"]')) { window.__restoredAt = performance.now(); obs.disconnect(); }
  }).observe(document, { childList: true, subtree: true });
});
await login(page, APP);
const restore = [];
for (let i = 0; i < RELOADS; i += 1) {
  await page.reload();
  await page.getByTestId('user-name').waitFor();
  restore.push(await page.evaluate(() => window.__restoredAt));
}
await browser.close();
console.log(`navigation → restored session rendered: p50 ${ms(pct(restore, 50))}, p95 ${ms(pct(restore, 95))} over ${restore.length} reloads`);
