// The real stack: the backend serving /silent, the API and the release build of the app; the local
// identity provider (short token lifetime) runs as a fixture so tests can stop and restart it.
// Debian's browsers, never a downloaded one.
//
// Two engines times two flows:
// - `implicit` runs the tutorial-mode suite unchanged with `flow: "implicit"`; `code` runs the
//   code + PKCE / refresh-token suite with the default configuration;
// - `chromium-*` in Debian's Chromium (third-party cookies allowed by default, so the cross-site
//   tests put the provider on 127.0.0.1); `firefox-*` in Debian's Firefox ESR with its default
//   privacy settings (Total Cookie Protection: the provider's cookie never reaches a cross-site
//   frame), driven through WebDriver BiDi.
//
// Playwright is pinned to 1.64.1 in package.json: 1.65 drives Firefox with BiDi commands
// (`emulation.setMediaFeaturesOverride`) that Firefox ESR 153 does not have, so every page fails
// to open there. 1.64.1 is the newest release that works with the ESR.
import { defineConfig, type Project } from '@playwright/test';
import type { Options } from './fixtures';

/** Where this run's stack listens: the usual ports (provider 4000, backend 3001, app 5000), each
 *  moved by `E2E_PORT_OFFSET`, so that two runs can go side by side (`make test` runs one engine on
 *  the usual ports and the other 10 above them). `SPARE_PORT` is for a test's own throwaway provider. */
const OFFSET = Number(process.env.E2E_PORT_OFFSET ?? '0');
export const IDP_PORT = 4000 + OFFSET;
export const SPARE_PORT = 4099 + OFFSET;
export const IDP = `http://localhost:${IDP_PORT}`;
/** The provider on another site than the app (Chromium then keeps its cookie out of the frame). */
export const CROSS_SITE_IDP = `http://127.0.0.1:${IDP_PORT}`;
const API_PORT = 3001 + OFFSET;
const APP_PORT = 5000 + OFFSET;
export const API = `http://localhost:${API_PORT}`;
export const APP = `http://localhost:${APP_PORT}`;
/** The API's audience, as the provider issues it and the backend checks it. */
export const AUDIENCE = `${API}/api`;
/** Where the hidden frame lands: the provider's registered redirect and the app's configuration. */
export const SILENT_URI = `${API}/silent`;
export const ACCESS_TOKEN_TTL = Number(process.env.E2E_ACCESS_TOKEN_TTL ?? '15');

/** The backend binary: the debug build by default (`make e2e` builds it; the unit tests already
 *  compiled it, and the suite asserts behaviour, not speed), or `E2E_BACKEND`. */
const BACKEND = process.env.E2E_BACKEND ?? '../target/debug/backend';

/** Debian's Chromium, with the flags this machine's closed network needs. */
const CHROMIUM = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  },
};

/** Debian's Firefox ESR through WebDriver BiDi, with its default preferences. */
const FIREFOX = {
  browserName: 'firefox' as const,
  channel: 'moz-firefox',
  launchOptions: { executablePath: '/usr/bin/firefox-esr' },
};

/** The engines to run: both by default, one with `E2E_ENGINES=chromium` (or `firefox`). */
const ENGINE_NAMES = (process.env.E2E_ENGINES ?? 'chromium,firefox').split(',');
const ENGINES = ([['chromium', CHROMIUM], ['firefox', FIREFOX]] as const).filter(([name]) => ENGINE_NAMES.includes(name));
/** Each run's results apart, so that two runs side by side do not clear each other's. */
const RUN = ENGINE_NAMES.join('-');

export default defineConfig<Options>({
  testDir: './tests',
  timeout: 120_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  outputDir: `test-results/${RUN}`,
  reporter: [['list'], ['html', { open: 'never', outputFolder: `playwright-report/${RUN}` }]],
  use: {
    baseURL: APP,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: ENGINES.flatMap(([engine, use]): Project<Options>[] => [
    { name: `${engine}-implicit`, testIgnore: /code\//, use: { ...use, authFlow: 'implicit' } },
    { name: `${engine}-code`, testMatch: /code\/.*\.spec\.ts/, use: { ...use, authFlow: 'code' } },
  ]),
  webServer: [
    {
      // The provider is started by the `idp` worker fixture (tests stop and restart it).
      // The app page's CSP also admits the provider's cross-site address (the Safari tests).
      command: `${BACKEND} --port ${API_PORT} --spa-port ${APP_PORT} --app-origin ${APP} --issuer ${IDP} --audience ${AUDIENCE} --dist ../frontend/dist --silent-page ../public/silent.html --jwks-min-refresh-secs 1 --csp-extra-origins ${CROSS_SITE_IDP}`,
      url: `${APP}/healthz`,
      reuseExistingServer: false,
    },
  ],
});
