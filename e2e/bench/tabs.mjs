// Multi-tab figures for `make bench`: provider renewal requests per token lifetime with 1, 5 and 10
// tabs open (goal: exactly 1), and renewal latency (the renewing tab's start → verified session;
// the other tabs' start → adopted session) — against the local provider, whose lifetime is short.
import { chromium } from 'playwright-core';

const APP = 'http://localhost:5000';
const IDP = 'http://localhost:4000';
const LIFETIMES = Number(process.env.BENCH_LIFETIMES ?? 3);
const TTL_MS = Number(process.env.BENCH_TTL ?? 12) * 1000;
const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN; };
const silentCount = async () => (await (await fetch(`${IDP}/__dev/stats`)).json()).authorizeSilent;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });
for (const tabs of [1, 5, 10]) {
  const context = await browser.newContext();
  const fresh = [], adopted = [];
  const pages = [];
  for (let i = 0; i < tabs; i += 1) {
    const page = await context.newPage();
    page.on('console', (m) => {
      const ok = /^renewal: ok in (\d+) ms/.exec(m.text());
      const adopt = /^renewal: adopted another tab's session in (\d+) ms/.exec(m.text());
      if (ok) fresh.push(Number(ok[1]));
      if (adopt) adopted.push(Number(adopt[1]));
    });
    pages.push(page);
  }
  await pages[0].goto(APP);
  await pages[0].getByRole('navigation').getByRole('button', { name: 'Log In' }).click();
  await pages[0].getByLabel('Email').fill('alice@example.com');
  await pages[0].getByLabel('Password').fill('wonderland');
  await pages[0].getByRole('button', { name: 'Log in' }).click();
  await pages[0].getByTestId('user-name').waitFor();
  for (const page of pages.slice(1)) { await page.goto(APP); await page.getByTestId('user-name').waitFor(); }
  const expiry = () => pages[0].evaluate(() => Number(localStorage.getItem('expires_at')));
  const first = await expiry();
  const before = await silentCount();
  // Each renewal (at 3/4 of a lifetime) moves the expiry ~0.75 lifetime on.
  while ((await expiry()) < first + LIFETIMES * 0.75 * TTL_MS - 1000) await sleep(250); // sampling a figure, not a test
  const requests = (await silentCount()) - before;
  console.log(`${tabs} tab(s): ${requests} provider renewal requests over ${LIFETIMES} lifetimes = ${(requests / LIFETIMES).toFixed(2)} per lifetime; ` +
    `renewing tab p50 ${pct(fresh, 50)} ms (n=${fresh.length})` + (adopted.length ? `, other tabs adopted it p50 ${pct(adopted, 50)} ms / max ${Math.max(...adopted)} ms (n=${adopted.length})` : ''));
  await context.close();
}
await browser.close();
