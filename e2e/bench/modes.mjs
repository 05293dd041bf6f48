// The three renewal paths `make bench` measures, as configuration overrides of /auth_config.json,
// and what "a provider call for a renewal" is for each (from the provider's own counts).
import { chromium, firefox } from 'playwright-core';
export { configure } from '../config-override.mjs';

export const MODES = [
  { name: 'refresh token', config: { flow: 'code', useRefreshTokens: true }, via: 'refresh token' },
  { name: 'code + PKCE frame', config: { flow: 'code', useRefreshTokens: false }, via: 'silent frame' },
  { name: 'implicit frame', config: { flow: 'implicit', useRefreshTokens: false, clientId: 'dev-spa-implicit' }, via: 'silent frame' },
];

export const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Debian's browsers, launched as the e2e suite launches them (Firefox with its default settings,
 *  through WebDriver BiDi). */
export const ENGINES = [
  { name: 'Chromium', launch: () => chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS }) },
  { name: 'Firefox', launch: () => firefox.launch({ channel: 'moz-firefox', executablePath: '/usr/bin/firefox-esr' }) },
];

/** Provider calls that renew: silent /authorize for the frames, token calls for refresh tokens. */
export function renewalCalls(mode, stats) {
  return mode.config.useRefreshTokens ? stats.token.refresh_token + stats.token.authorization_code : stats.authorizeSilent;
}

/** Matches the app's console line for a renewal this tab did (`via` path) or adopted. */
export const RENEWED = /^renewal: (?:ok(?: via (refresh token|silent frame))?|(adopted another tab's session)) in (\d+) ms/;

export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

export async function login(page, app) {
  await page.goto(app);
  await page.getByRole('navigation').getByRole('button', { name: 'Log In' }).click();
  await page.getByLabel('Email').clear(); // Firefox cannot select an email input's text: fill would append
  await page.getByLabel('Email').fill('alice@example.com');
  await page.getByLabel('Password').fill('wonderland');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('user-name').waitFor();
}
