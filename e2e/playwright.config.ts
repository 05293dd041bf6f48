// The real stack: the backend serving /silent, the API and the release build of the app; the local
// identity provider (short token lifetime) runs as a fixture so tests can stop and restart it.
// Debian's Chromium, never a downloaded browser.
//
// Two projects: `implicit` runs the tutorial-mode suite unchanged with `flow: "implicit"`;
// `code` runs the code + PKCE / refresh-token suite with the default configuration.
import { defineConfig } from '@playwright/test';
import type { Options } from './fixtures';

export const IDP = 'http://localhost:4000';
/** The provider on another site than the app (Chromium then keeps its cookie out of the frame). */
export const CROSS_SITE_IDP = 'http://127.0.0.1:4000';
export const API = 'http://localhost:3001';
export const APP = 'http://localhost:5000';
export const ACCESS_TOKEN_TTL = Number(process.env.E2E_ACCESS_TOKEN_TTL ?? '15');

export default defineConfig<Options>({
  testDir: './tests',
  timeout: 120_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    baseURL: APP,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'implicit', testIgnore: /code\//, use: { authFlow: 'implicit' } },
    { name: 'code', testMatch: /code\/.*\.spec\.ts/, use: { authFlow: 'code' } },
  ],
  webServer: [
    {
      // The provider is started by the `idp` worker fixture (tests stop and restart it).
      // The app page's CSP also admits the provider's cross-site address (the Safari tests).
      command: `../target/release/backend --spa-port 5000 --dist ../frontend/dist --silent-page ../public/silent.html --jwks-min-refresh-secs 1 --csp-extra-origins ${CROSS_SITE_IDP}`,
      url: `${APP}/healthz`,
      reuseExistingServer: false,
    },
  ],
});
