// Fixtures: the app page object, the provider's silent-renewal requests as the browser sends them,
// and a count of pending long timers (to prove renewals never stack timers).
import { test as base, expect, type Route } from '@playwright/test';
import { configure as configureContext } from './config-override.mjs';
import { Idp } from './idp';
import { AppPage } from './pages/app';
import { API, APP, AUDIENCE, CROSS_SITE_IDP, IDP, SILENT_URI } from './playwright.config';

/** Renewal timeout the e2e suite gives the app (its default is 10 s). */
export const E2E_RENEWAL_TIMEOUT_MS = 3000;

export interface SilentRequest { url: URL; at: number }

/** The hidden frame's request: the provider's `/authorize` with `prompt=none`. */
export const isSilentAuthorize = (url: URL) =>
  (url.origin === IDP || url.origin === CROSS_SITE_IDP) && url.pathname === '/authorize' && url.searchParams.get('prompt') === 'none';

/** Answers a silent `/authorize` in the provider's place: redirects the frame to `/silent` with
 *  `params` in the fragment, and the request's own `state`. */
export async function answerSilently(route: Route, params: Record<string, string>) {
  const state = new URL(route.request().url()).searchParams.get('state') ?? '';
  const fragment = new URLSearchParams({ ...params, state });
  await route.fulfill({ status: 302, headers: { location: `${SILENT_URI}#${fragment}` } });
}

const countLongTimers = () => {
  const pending = new Set<number>();
  const { setTimeout: set, clearTimeout: clear } = window;
  window.setTimeout = ((handler: TimerHandler, delay?: number, ...args: unknown[]) => {
    const id: number = set((...a: unknown[]) => {
      pending.delete(id);
      if (typeof handler === 'function') handler(...a);
    }, delay, ...args);
    if ((delay ?? 0) >= 2000) pending.add(id);
    return id;
  }) as typeof window.setTimeout;
  window.clearTimeout = ((id?: number) => {
    if (id !== undefined) pending.delete(id);
    clear(id);
  }) as typeof window.clearTimeout;
  (window as unknown as { __pendingLongTimers: () => number }).__pendingLongTimers = () => pending.size;
};

/** What the page-side listener reports of a `securitypolicyviolation`. */
export interface CspViolation { directive: string; blocked: string; source: string; line: number; sample: string; document: string }

const CSP_TAG = 'csp-violation ';

/** Runs in every document of the context, frames included, before their scripts: reports each CSP
 *  violation on the console, where the fixture collects it even from a document that has gone. */
const reportCspViolations = (tag: string) => {
  document.addEventListener('securitypolicyviolation', (e) => {
    const v = { directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample, document: e.documentURI };
    console.warn(tag + JSON.stringify(v));
  });
};

/** Whether Playwright's own code caused `v`, not the app: what a test evaluates in the page, and
 *  Playwright's injected scripts (which set inline styles that Firefox checks against `style-src`).
 *  Told apart by the script the violation names. Code evaluated from outside has no file: Firefox
 *  names it `<document URL> line <n> > eval` (and the app cannot evaluate code: its policy has no
 *  'unsafe-eval'); Chromium gives an empty source for code evaluated through CDP. The app's own
 *  violations name its files or its page. */
export const byPlaywright = (v: CspViolation) => v.source === '' || / line \d+ > eval$/.test(decodeURIComponent(v.source))
  || screenshotStyle(v);

/** Playwright's screenshots insert a `<style>body {}</style>` (line 5 of the function it evaluates,
 *  `inPagePrepareForScreenshots`, to sync animations), which the page's `style-src` refuses. Firefox
 *  names it `… line 370 > eval` as above, but once in a CI run named the document itself (seen
 *  after the app replaced its URL). The app's page has no inline style, so an inline `<style>`
 *  refused at that line with the document as its source is that one. */
const screenshotStyle = (v: CspViolation) => {
  const bare = (url: string) => url.split(/[?#]/)[0];
  return v.directive === 'style-src-elem' && v.blocked === 'inline' && v.line === 5 && bare(v.source) === bare(v.document);
};

/** Whether the browser itself caused `v`: Firefox fetches `/favicon.ico` for a document opened at
 *  the top (the silent page, when a test opens it on its own), from its own code (source
 *  `resource`), and a page whose policy allows no images refuses it. */
export const byTheBrowser = (v: CspViolation) =>
  v.source === 'resource' && v.directive === 'img-src' && new URL(v.blocked, v.document).pathname === '/favicon.ico';

/** The built app's configuration names the usual ports; this run's stack may be on others. */
const STACK = {
  issuer: IDP, audience: AUDIENCE, apiBaseUrl: API, silentRedirectUri: SILENT_URI,
  redirectUri: `${APP}/callback`, logoutReturnTo: `${APP}/`,
};

/** Per-project options: the flow the app is configured with. */
export interface Options { authFlow: 'code' | 'implicit' }

/** Overrides of `/auth_config.json` for one test, on top of the project's flow. */
export type ConfigOverrides = Record<string, unknown>;

export const test = base.extend<
  { app: AppPage; silentRequests: SilentRequest[]; configure: (overrides: ConfigOverrides) => Promise<void>; cspViolations: CspViolation[] },
  { idp: Idp } & Options
>({
  authFlow: ['code', { option: true, scope: 'worker' }],
  idp: [
    async ({}, use) => {
      const idp = new Idp();
      await idp.start();
      await use(idp);
      await idp.dispose();
    },
    { scope: 'worker', auto: true },
  ],
  configure: [async ({ page, authFlow }, use) => {
    // The project's flow and the suite's renewal timeout, plus what the test asks for; applied in the
    // page, not with a route (which would slow every request: see config-override.mjs).
    const apply = async (overrides: ConfigOverrides) => {
      // The local provider has a client per mode: implicit tokens cannot be bound (DPoP).
      const flow = authFlow === 'code'
        ? { flow: 'code', useRefreshTokens: true }
        : { flow: 'implicit', useRefreshTokens: false, clientId: 'dev-spa-implicit' };
      await configureContext(page.context(), { ...STACK, ...flow, renewalTimeoutMs: E2E_RENEWAL_TIMEOUT_MS, ...overrides });
    };
    await apply({});
    await use(apply);
  }, { auto: true }],
  app: async ({ page, idp }, use, info) => {
    // Each test starts from a healthy provider on the app's site, with the suite's token lifetime.
    if (!idp.isDefault()) await idp.restart();
    await idp.faults({ authorizeDelayMs: 0, holdTokenAnswers: false }).catch(() => idp.start());
    await page.context().addInitScript(countLongTimers);
    await use(new AppPage(page, info));
  },
  // Every test fails on a CSP violation the app causes, in any document of its context (the app, the
  // silent frame, the provider's pages). A test that provokes violations on purpose sees them all here.
  cspViolations: [async ({ context }, use) => {
    const seen: CspViolation[] = [];
    await context.addInitScript(reportCspViolations, CSP_TAG);
    const listen = (page: import('@playwright/test').Page) => page.on('console', (message) => {
      const text = message.text();
      if (text.startsWith(CSP_TAG)) seen.push(JSON.parse(text.slice(CSP_TAG.length)));
    });
    context.pages().forEach(listen);
    context.on('page', listen);
    await use(seen);
    expect(seen.filter((v) => !byPlaywright(v) && !byTheBrowser(v)), 'CSP violations the app caused').toEqual([]);
  }, { auto: true }],
  silentRequests: async ({ page }, use) => {
    const seen: SilentRequest[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (isSilentAuthorize(url)) {
        seen.push({ url, at: Date.now() });
      }
    });
    await use(seen);
  },
});

export { expect };
