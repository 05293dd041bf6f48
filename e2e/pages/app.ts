// Page object for the app and the provider's login page: role-based locators, web-first waits.
import { expect, type Page, type TestInfo } from '@playwright/test';
import { APP } from '../playwright.config';

export interface User { email: string; password: string; name: string }
export const ALICE: User = { email: 'alice@example.com', password: 'wonderland', name: 'Alice Liddell' };

/** The tutorial's three keys, and the seal this app writes after them. */
export interface StoredSession { access_token: string | null; id_token: string | null; expires_at: string | null; seal: string | null }
/** What storage holds once nobody is logged in: no token, no seal. */
export const LOGGED_OUT: StoredSession = { access_token: null, id_token: null, expires_at: null, seal: null };

export class AppPage {
  constructor(readonly page: Page, private readonly info: TestInfo) {}

  nav() { return this.page.getByRole('navigation', { name: 'Main' }); }
  loginButton() { return this.nav().getByRole('button', { name: 'Log In' }); }
  renewButton() { return this.nav().getByRole('button', { name: /^(Renew Token|Renewing…)$/ }); }
  logoutButton() { return this.nav().getByRole('button', { name: 'Log Out' }); }
  userName() { return this.page.getByTestId('user-name'); }
  lastRenewal() { return this.page.getByTestId('last-renewal'); }
  attempts() { return this.page.getByTestId('attempts'); }
  expiredAlert() { return this.page.getByRole('alert').filter({ hasText: 'Your access token has expired' }); }

  async goto(path = '/') {
    await this.page.goto(path);
    await expect(this.nav()).toBeVisible();
  }

  /** Log Out through the provider's logout and back: done once the app's home page has loaded
   *  again, not when the button's first effect (the Log In button) shows before the navigation. */
  async logOutThroughProvider() {
    const backHome = this.page.waitForResponse((r) => r.request().isNavigationRequest() && r.url() === `${APP}/`);
    await this.logoutButton().click();
    await backHome;
    await expect(this.loginButton()).toBeVisible();
  }

  /** Full login through the provider's page, back to the app. */
  async login(user: User = ALICE) {
    await this.loginButton().click();
    await this.submitCredentials(user);
    await expect(this.userName()).toHaveText(user.name, { timeout: 15_000 });
  }

  async submitCredentials(user: { email: string; password: string }) {
    await expect(this.page.getByRole('heading', { name: /Log in to/ })).toBeVisible();
    // Cleared first: the provider's page keeps the email after a wrong password, and Firefox (through
    // WebDriver BiDi) cannot select an email input's text, so `fill` alone would append to it.
    await this.page.getByLabel('Email').clear();
    await this.page.getByLabel('Email').fill(user.email);
    await this.page.getByLabel('Password').fill(user.password);
    await this.page.getByRole('button', { name: 'Log in' }).click();
  }

  stored(): Promise<StoredSession> {
    return this.page.evaluate(() => ({
      access_token: localStorage.getItem('access_token'),
      id_token: localStorage.getItem('id_token'),
      expires_at: localStorage.getItem('expires_at'),
      seal: localStorage.getItem('auth.session'),
    }));
  }

  /** The stored access token, in the tutorial's plain format ('' when there is none). */
  async accessToken(): Promise<string> {
    return (await this.stored()).access_token ?? '';
  }

  async expiresAt(): Promise<number> {
    return Number((await this.stored()).expires_at);
  }

  /** Renewal timers the app holds (setTimeout ≥ 2 s still pending), counted by an init script. */
  renewalTimers(): Promise<number> {
    return this.page.evaluate(() => (window as unknown as { __pendingLongTimers: () => number }).__pendingLongTimers());
  }

  /** Attaches a picture of the page. `caret: 'initial'`: hiding the caret would make Playwright
   *  insert one more `<style>` that the page's CSP refuses (see `byPlaywright` in fixtures.ts). */
  async shot(name: string) {
    await this.info.attach(name, { body: await this.page.screenshot({ fullPage: true, caret: 'initial' }), contentType: 'image/png' });
  }
}

/** `app` and `count - 1` more tabs of its browser context, each on the home page. */
export async function openTabs(app: AppPage, count: number, info: TestInfo): Promise<AppPage[]> {
  const tabs = [app];
  for (let i = 1; i < count; i += 1) {
    const tab = new AppPage(await app.page.context().newPage(), info);
    await tab.goto('/');
    tabs.push(tab);
  }
  return tabs;
}
