// Fixtures: the app page object, the provider's silent-renewal requests as the browser sends them,
// and a count of pending long timers (to prove renewals never stack timers).
import { test as base, expect } from '@playwright/test';
import { AppPage } from './pages/app';
import { IDP } from './playwright.config';

export interface SilentRequest { url: URL; at: number }

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

export const test = base.extend<{ app: AppPage; silentRequests: SilentRequest[] }>({
  app: async ({ page }, use, info) => {
    await page.addInitScript(countLongTimers);
    await use(new AppPage(page, info));
  },
  silentRequests: async ({ page }, use) => {
    const seen: SilentRequest[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === IDP && url.pathname === '/authorize' && url.searchParams.get('prompt') === 'none') {
        seen.push({ url, at: Date.now() });
      }
    });
    await use(seen);
  },
});

export { expect };
