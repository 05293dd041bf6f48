// First-load figures for `make bench`, in Chromium: time to interactive with a cold cache under the
// network emulation of Chromium's DevTools protocol (`Network.emulateNetworkConditions`), for the
// app and for its reference (bench/bare-yew: the design card's crates in a minimal app, built and
// served the same way), and the two JSON engines' parse time in that reference.
//
// Every sample is a new browser context (no HTTP cache, no compiled wasm, no open connection), with
// the cache disabled as well. The app's measures are navigation → the Log In button (nobody signed
// in) and navigation → the restored session (a session in localStorage, as a new tab finds it: the
// discovery document is fetched, not taken from this tab's sessionStorage). The reference's is
// navigation → its first render. Each moment is taken in the page (a MutationObserver installed
// before the page's own scripts), so the harness never touches the page while it loads.
//   APP, REFERENCE, REFERENCE_JS: where the app, the reference (serde_json) and the reference built
//   with JSON.parse + serde-wasm-bindgen are served.
import { ENGINES, login, pct } from './modes.mjs';

const APP = process.env.APP ?? 'http://localhost:5000';
const REFERENCE = process.env.REFERENCE ?? 'http://localhost:5300';
const REFERENCE_JS = process.env.REFERENCE_JS ?? 'http://localhost:5301';
const SAMPLES = Number(process.env.BENCH_FIRST_LOADS ?? 7);
/** Chromium's throughputs are bytes per second; latency is the round trip added, in ms. */
const PROFILES = [
  { name: '4G', down: 9e6, up: 1.5e6, rtt: 60 },
  { name: '3G', down: 1.6e6, up: 750e3, rtt: 150 },
];
const ms = (x) => `${Math.round(x)} ms`;

/** Logs `bench:seen <name> <ms since navigation>` once each selector first matches. */
function watch(targets) {
  const pending = new Map(Object.entries(targets));
  const check = () => {
    for (const [name, [selector, text]] of pending) {
      const hit = [...document.querySelectorAll(selector)].some((e) => text === undefined || e.textContent.trim() === text);
      if (hit) {
        pending.delete(name);
        console.log(`bench:seen ${name} ${performance.now()}`);
      }
    }
  };
  new MutationObserver((_, observer) => { check(); if (!pending.size) observer.disconnect(); })
    .observe(document, { childList: true, subtree: true });
}

const TARGETS = {
  login: ['nav button', 'Log In'],
  restored: ['[data-testid="user-name"]'],
  rendered: ['[data-testid="rendered"]'],
};

/** One cold load of `url` in a new context (`state`: its storage), under `profile`; the moment
 *  `target` showed, in ms from navigation. */
async function coldLoad(browser, url, target, profile, state) {
  const context = await browser.newContext(state ? { storageState: state } : {});
  await context.addInitScript(watch, TARGETS);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (profile) {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: profile.rtt, downloadThroughput: profile.down / 8, uploadThroughput: profile.up / 8,
    });
  }
  const seen = page.waitForEvent('console', { predicate: (m) => m.text().startsWith(`bench:seen ${target} `), timeout: 60_000 });
  await page.goto(url, { waitUntil: 'commit' });
  const at = Number((await seen).text().split(' ')[2]);
  await context.close();
  return at;
}

const samples = async (n, measure) => {
  const out = [];
  for (let i = 0; i < n; i += 1) out.push(await measure());
  return out;
};

const browser = await ENGINES[0].launch();
// A stored session, as a new tab of a signed-in browser finds it.
const signIn = await browser.newContext();
await login(await signIn.newPage(), APP);
const signedIn = await signIn.storageState();
await signIn.close();

for (const profile of PROFILES) {
  const reference = await samples(SAMPLES, () => coldLoad(browser, REFERENCE, 'rendered', profile));
  const loginButton = await samples(SAMPLES, () => coldLoad(browser, APP, 'login', profile));
  const restored = await samples(SAMPLES, () => coldLoad(browser, APP, 'restored', profile, signedIn));
  const [r, l, s] = [pct(reference, 50), pct(loginButton, 50), pct(restored, 50)];
  console.log(`cold first load, Chromium, ${profile.name} (${profile.down / 1e6} Mbps down, ${profile.up / 1e6} Mbps up, ${profile.rtt} ms RTT), p50 of ${SAMPLES}: ` +
    `app → Log In button ${ms(l)}, app → restored session ${ms(s)}, reference → first render ${ms(r)}; ` +
    `restored / reference ${(s / r).toFixed(2)}× (target at 4G: ≤ 1.25×), Log In / reference ${(l / r).toFixed(2)}×`);
}

// The JSON engines, in the reference built with each: time per parse of a discovery document.
for (const [name, url] of [['serde_json', REFERENCE], ['JSON.parse + serde-wasm-bindgen', REFERENCE_JS]]) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const parsed = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('bench:parse ') });
  await page.goto(`${url}/?parse-bench`);
  console.log(`JSON engine ${name}: ${(await parsed).text().slice('bench:parse '.length)} (a discovery document, 2000 parses, Chromium)`);
  await context.close();
}
await browser.close();
