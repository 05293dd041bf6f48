// A browser that gives the app no Web Storage (blocked by privacy settings: reading
// `localStorage` throws), or storage that refuses every write (a zero quota). The app still starts,
// says what is wrong when it cannot keep a login, and never loses a live session to a write that
// failed. No page error in any case: gloo-storage throws when a storage is missing, so the app asks
// the browser first.
import { test, expect } from '../../fixtures';
import { APP } from '../../playwright.config';
import type { Page } from '@playwright/test';

/** Uncaught exceptions of the page, from now on. */
function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** The app's documents get no localStorage or sessionStorage: reading either throws, as with
 *  cookies and site data blocked. */
function blockStorage(app: string) {
  if (location.origin !== app) return;
  for (const name of ['localStorage', 'sessionStorage']) {
    Object.defineProperty(window, name, {
      configurable: true,
      get() { throw new DOMException('The operation is insecure.', 'SecurityError'); },
    });
  }
}

/** Every write to Web Storage fails, as with a zero quota; reads still work. */
function refuseWrites() {
  Storage.prototype.setItem = function setItem() {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  };
}

test('with Web Storage blocked the app starts, and Log In says why it cannot keep a login', async ({ app, page }) => {
  const errors = pageErrors(page);
  await page.context().addInitScript(blockStorage, APP);
  await app.goto('/');
  await expect(app.loginButton()).toBeVisible();
  await app.loginButton().click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Login did not complete');
  await expect(alert).toContainText('sessionStorage is unavailable');
  expect(new URL(page.url()).origin).toBe(APP); // never sent to the provider with no way to come back
  await page.getByRole('link', { name: 'Profile' }).click();
  await expect(page.getByRole('heading', { name: 'Profile' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('with a zero storage quota the app starts, and Log In says what it could not write', async ({ app, page }) => {
  const errors = pageErrors(page);
  await page.context().addInitScript(refuseWrites);
  await app.goto('/');
  await app.loginButton().click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Login did not complete');
  await expect(alert).toContainText('cannot write auth.pending');
  expect(new URL(page.url()).origin).toBe(APP);
  expect(errors).toEqual([]);
});

test('a renewal whose answer cannot be stored keeps the session and says why', async ({ app, page }) => {
  const errors = pageErrors(page);
  await app.goto('/');
  await app.login();
  const before = await app.accessToken();
  // The quota runs out while signed in.
  await page.evaluate(refuseWrites);
  await app.renewButton().click();
  await expect(app.lastRenewal()).toContainText('cannot write');
  await expect(app.attempts()).toHaveText('1');
  await expect(app.userName()).toBeVisible();
  expect(await app.accessToken()).toBe(before);
  expect(errors).toEqual([]);
});
