// Multi-tab figures for `make bench`: provider calls per token lifetime with 1, 5 and 10 tabs open
// for each renewal path (goal: exactly 1), and renewal latency (the renewing tab's start → verified
// session; the other tabs' start → adopted session), against the local provider with short tokens.
import { ENGINES, MODES, RENEWED, configure, login, pct, renewalCalls } from './modes.mjs';

const APP = 'http://localhost:5000';
const IDP = 'http://localhost:4000';
const LIFETIMES = Number(process.env.BENCH_LIFETIMES ?? 3);
const TTL_MS = Number(process.env.BENCH_TTL ?? 12) * 1000;
const TABS = (process.env.BENCH_TABS ?? '1,5,10').split(',').map(Number);
const stats = async () => (await fetch(`${IDP}/__dev/stats`)).json();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const browser = await ENGINES[0].launch(); // Chromium: the multi-tab figures are about our lock, not the engine
for (const mode of MODES) {
  for (const tabs of TABS) {
    const context = await browser.newContext();
    await configure(context, mode.config);
    const fresh = [], adopted = [];
    const pages = [];
    for (let i = 0; i < tabs; i += 1) {
      const page = await context.newPage();
      page.on('console', (m) => {
        const hit = RENEWED.exec(m.text());
        if (hit) (hit[2] ? adopted : fresh).push(Number(hit[3]));
      });
      pages.push(page);
    }
    await login(pages[0], APP);
    for (const page of pages.slice(1)) { await page.goto(APP); await page.getByTestId('user-name').waitFor(); }
    const expiry = () => pages[0].evaluate(() => Number(localStorage.getItem('expires_at')));
    const first = await expiry();
    const before = await stats();
    // Each renewal (at 3/4 of a lifetime) moves the expiry ~0.75 lifetime on.
    while ((await expiry()) < first + LIFETIMES * 0.75 * TTL_MS - 1000) await sleep(250); // sampling a figure, not a test
    const after = await stats();
    const calls = renewalCalls(mode, after) - renewalCalls(mode, before);
    const refused = after.invalidGrant - before.invalidGrant;
    console.log(`${mode.name}, ${tabs} tab(s): ${calls} provider calls over ${LIFETIMES} lifetimes = ${(calls / LIFETIMES).toFixed(2)} per lifetime` +
      `${refused ? ` (${refused} invalid_grant!)` : ''}; renewing tab p50 ${pct(fresh, 50)} ms (n=${fresh.length})` +
      (adopted.length ? `, other tabs adopted it p50 ${pct(adopted, 50)} ms / max ${Math.max(...adopted)} ms (n=${adopted.length})` : ''));
    await context.close();
  }
}
await browser.close();
