// Browser figures for `make bench`: silent-renewal latency (renewal start → verified session
// committed, as the app logs it) over N renewals, and navigation → restored session rendered.
import { chromium } from 'playwright-core';

const APP = 'http://localhost:5000';
const RENEWALS = Number(process.env.BENCH_RENEWALS ?? 30);
const RELOADS = Number(process.env.BENCH_RELOADS ?? 20);
const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });
const page = await browser.newPage();
const latencies = [];
page.on('console', (m) => { const hit = /^renewal: ok in (\d+) ms/.exec(m.text()); if (hit) latencies.push(Number(hit[1])); });
await page.addInitScript(() => {
  new MutationObserver((_, obs) => {
    if (document.querySelector('[data-testid="user-name"]')) { window.__restoredAt = performance.now(); obs.disconnect(); }
  }).observe(document, { childList: true, subtree: true });
});
await page.goto(APP);
await page.getByRole('navigation').getByRole('button', { name: 'Log In' }).click();
await page.getByLabel('Email').fill('alice@example.com');
await page.getByLabel('Password').fill('wonderland');
await page.getByRole('button', { name: 'Log in' }).click();
await page.getByTestId('user-name').waitFor();

for (let i = 1; i <= RENEWALS; i += 1) {
  await page.getByRole('button', { name: 'Renew Token' }).click();
  await page.getByTestId('renewal-count').filter({ hasText: new RegExp(`^${i}$`) }).waitFor();
}
const restore = [];
for (let i = 0; i < RELOADS; i += 1) {
  await page.reload();
  await page.getByTestId('user-name').waitFor();
  restore.push(await page.evaluate(() => window.__restoredAt));
}
await browser.close();
const ms = (x) => `${Math.round(x)} ms`;
console.log(`renewal latency over ${latencies.length} renewals: p50 ${ms(pct(latencies, 50))}, p95 ${ms(pct(latencies, 95))}, max ${ms(Math.max(...latencies))}`);
console.log(`navigation → restored session rendered over ${restore.length} reloads: p50 ${ms(pct(restore, 50))}, p95 ${ms(pct(restore, 95))}`);
