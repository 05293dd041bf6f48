// Browser figures for `make bench`, in each engine (Chromium, then Firefox with its defaults):
// silent-renewal latency per path (renewal start → verified session committed, as the app logs it)
// over N renewals, and navigation → restored session rendered.
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { ENGINES, MODES, RENEWED, configure, login, pct } from './modes.mjs';

const APP = 'http://localhost:5000';
const IDP = 'http://localhost:4000';
/** The provider's own counts (`make bench` runs it with IDP_TEST_CONTROL=1). */
const idpStats = async () => (await fetch(`${IDP}/__dev/stats`)).json();
const RENEWALS = Number(process.env.BENCH_RENEWALS ?? 30);
const RELOADS = Number(process.env.BENCH_RELOADS ?? 40);
const ms = (x) => `${Math.round(x)} ms`;

/** The app's `renewal:<step>` performance marks, in order, and what the time before each is. */
const STEPS = [
  ['locked', 'lock'], ['ready', 'refresh token and key in hand'], ['frame', 'frame round trip'],
  ['token', 'token POST'], ['verified', 'verify'], ['committed', 'commit'],
];

/** The step durations of the renewal just done (from its marks), then clears the marks. */
const stepsOf = (page) => page.evaluate((steps) => {
  const at = Object.fromEntries(performance.getEntriesByType('mark')
    .filter((e) => e.name.startsWith('renewal:')).map((e) => [e.name.slice('renewal:'.length), e.startTime]));
  performance.clearMarks();
  const out = {};
  let previous = at.start;
  for (const [mark, label] of steps) {
    if (at[mark] === undefined || previous === undefined) continue;
    out[label] = at[mark] - previous;
    previous = at[mark];
  }
  return out;
}, STEPS);

// The first suspect for a slow engine: `localhost` resolving to ::1 first while the servers listen
// on 127.0.0.1 only. What the name resolves to, and what a refused ::1 connection costs.
{
  const addresses = (await lookup('localhost', { all: true })).map((a) => a.address);
  const refused = [];
  for (let i = 0; i < 20; i += 1) {
    const start = performance.now();
    const outcome = await new Promise((resolve) => {
      const socket = connect({ host: '::1', port: 4000 });
      socket.once('connect', () => { socket.destroy(); resolve('connected'); });
      socket.once('error', (e) => resolve(e.code));
    });
    refused.push([performance.now() - start, outcome]);
  }
  const outcome = refused[0][1] === 'connected' ? 'connects (something listens on ::1)' : `is refused (${refused[0][1]})`;
  console.log(`localhost resolves to ${addresses.join(', ')}; a connection to [::1]:4000 ${outcome} in ${pct(refused.map(([t]) => t), 50).toFixed(2)} ms p50`);
}

for (const engine of ENGINES) {
  const browser = await engine.launch();
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
    const steps = {};
    let before;
    for (let i = 1; i <= clicks; i += 1) {
      if (i === clicks - RENEWALS + 1) before = await idpStats();
      // Started from script, as the floor starts its renewals: a real click makes Chromium render
      // the next frame before it runs anything else (input → frame priority), which adds 8–16 ms
      // to whatever the click starts, in any page (measured: the lock's grant waits for it).
      // Waited for through the app's own console line, as the floor awaits its renewal in the page:
      // a locator polls the page on every animation frame, and the page and its silent frame share
      // one main thread (same site), so polling during the renewal would slow what is measured.
      const renewed = page.waitForEvent('console', { predicate: (m) => RENEWED.test(m.text()) });
      await page.evaluate(() => [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Renew Token').click());
      await renewed;
      await page.getByTestId('renewal-count').filter({ hasText: new RegExp(`^${i}$`) }).waitFor();
      const these = await stepsOf(page);
      if (i === 1 && mode.config.useRefreshTokens) continue;
      for (const [label, took] of Object.entries(these)) (steps[label] ??= []).push(took);
    }
    const after = await idpStats();
    const per = (key) => ((after[key] - before[key]) / RENEWALS).toFixed(2);
    console.log(`provider traffic per renewal, ${mode.name}, ${engine.name}: ${per('preflights')} CORS preflights, ${per('connections')} new connections`);
    console.log(`renewal latency, ${mode.name}, ${engine.name}: p50 ${ms(pct(latencies, 50))}, p95 ${ms(pct(latencies, 95))}, max ${ms(Math.max(...latencies))} over ${latencies.length} renewals`);
    const parts = STEPS.map(([, label]) => label).filter((label) => steps[label])
      .map((label) => `${label} ${pct(steps[label], 50).toFixed(1)}`);
    console.log(`where it goes (p50 ms per step), ${mode.name}, ${engine.name}: ${parts.join(', ')}`);
    await context.close();
  }

  const context = await browser.newContext();
  const page = await context.newPage();
  // The page itself says when the restored session is on screen (a console message), and the
  // harness waits for that rather than with a locator: Playwright's first locator call on a new
  // document injects its own ~330 KB script into the page, ~8 ms on the main thread, which landed
  // inside the measured load whenever the app had not rendered yet (seen in a Chromium trace).
  await page.addInitScript(() => {
    new MutationObserver((_, obs) => {
      if (document.querySelector('[data-testid="user-name"]')) {
        window.__restoredAt = performance.now();
        obs.disconnect();
        console.log('bench:restored');
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await login(page, APP);
  const restore = [];
  const milestones = {};
  for (let i = 0; i < RELOADS; i += 1) {
    const restored = page.waitForEvent('console', { predicate: (m) => m.text() === 'bench:restored' });
    await page.reload();
    await restored;
    const seen = await page.evaluate(() => {
      const done = (pattern) => performance.getEntriesByType('resource').find((e) => pattern.test(e.name))?.responseEnd;
      return {
        'page parsed': performance.getEntriesByType('navigation')[0]?.domInteractive,
        'wasm fetched': done(/_bg\.wasm$/),
        'config fetched': done(/\/auth_config\.json$/),
        'wasm running (main)': performance.getEntriesByName('start:main')[0]?.startTime,
        'setup ready': performance.getEntriesByName('start:setup')[0]?.startTime,
        'on screen': window.__restoredAt,
        'discovery refreshed (background)': done(/openid-configuration$/),
      };
    });
    restore.push(seen['on screen']);
    for (const [name, at] of Object.entries(seen)) if (at !== undefined) (milestones[name] ??= []).push(at);
  }
  await browser.close();
  console.log(`navigation → restored session rendered, ${engine.name}: p50 ${ms(pct(restore, 50))}, p95 ${ms(pct(restore, 95))} over ${restore.length} reloads`);
  const marks = Object.entries(milestones).map(([name, at]) => `${name} ${ms(pct(at, 50))}${at.length < restore.length ? ` (${at.length} of ${restore.length} loads)` : ''}`);
  console.log(`where a reload's time goes (p50 from navigation), ${engine.name}: ${marks.join(', ')}`);
}
