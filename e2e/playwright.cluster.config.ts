// The app's DPoP journey through `make cluster`'s layout: nginx on the API's port, round-robin over
// three backend replicas that share Redis as their DPoP replay store (scripts/cluster.sh, started
// here with the release build of the app and the suite's own provider). One engine is enough: what
// is tested is the servers', not the browser's. Run with E2E_PORT_OFFSET (scripts/e2e.sh uses 20),
// so it can go beside the two engines' runs.
import { defineConfig } from '@playwright/test';
import type { Options } from './fixtures';
import { API, APP, IDP, IDP_PORT } from './playwright.config';

const OFFSET = Number(process.env.E2E_PORT_OFFSET ?? '0');
const [API_PORT, APP_PORT] = [new URL(API).port, new URL(APP).port].map(Number);
/** The replicas behind nginx, and Redis. */
export const REPLICA_PORTS = [1, 2, 3].map((i) => API_PORT + 100 + i);
const REDIS_PORT = 6390 + OFFSET;

export default defineConfig<Options>({
  testDir: './cluster',
  timeout: 120_000,
  expect: { timeout: 10_000 },
  workers: 1,
  forbidOnly: !!process.env.CI,
  outputDir: 'test-results/cluster',
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report/cluster' }]],
  use: { baseURL: APP, screenshot: 'only-on-failure', trace: 'retain-on-failure' },
  projects: [{
    name: 'chromium-cluster',
    use: {
      browserName: 'chromium',
      authFlow: 'code',
      launchOptions: {
        executablePath: '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
      },
    },
  }],
  webServer: [{
    command: '../scripts/cluster.sh',
    env: {
      CLUSTER_IDP: '0', CLUSTER_APP: 'dist', IDP_PORT: String(IDP_PORT), IDP_ISSUER: IDP,
      BACKEND_PORT: String(API_PORT), APP_PORT: String(APP_PORT), REPLICA_PORTS: REPLICA_PORTS.join(' '),
      REDIS_PORT: String(REDIS_PORT), BACKEND_BIN: process.env.E2E_BACKEND?.replace(/^\.\.\//, '') ?? 'target/debug/backend',
    },
    url: `${API}/readyz`,
    reuseExistingServer: false,
  }],
});
