// Many tabs, one session: one renewal per token lifetime however many tabs are open, and logout
// and login reaching every tab.
import { test, expect, isSilentAuthorize } from '../fixtures';
import { ALICE, AppPage, openTabs } from '../pages/app';


test('five tabs over three token lifetimes: the provider sees three renewals, not fifteen', async ({ app, idp }) => {
  test.slow();
  await app.goto('/');
  await app.login();
  const tabs = await openTabs(app, 5, test.info());
  for (const tab of tabs) await expect(tab.userName()).toHaveText(ALICE.name);
  const before = (await idp.stats()).authorizeSilent;
  const firstExpiry = await app.expiresAt();
  const ttlMs = idp.ttl * 1000;

  // Each renewal, at 3/4 of a lifetime, moves the expiry ~0.75 lifetime on: three generations.
  await expect
    .poll(() => app.expiresAt(), { timeout: 4 * ttlMs, intervals: [250] })
    .toBeGreaterThanOrEqual(firstExpiry + 3 * 0.75 * ttlMs - 1000);
  expect((await idp.stats()).authorizeSilent - before).toBe(3);

  // Every tab adopted the latest session without asking the provider.
  const latest = String(await app.expiresAt());
  for (const tab of tabs) await expect(tab.page.getByTestId('expires-at')).toHaveAttribute('data-epoch-ms', latest);
  await expect(tabs[4].lastRenewal()).toContainText('succeeded');
  await app.shot('tab 1 after three lifetimes');
});

test('logging out in one tab logs out every tab within a second; logging in signs them in', async ({ app }) => {
  await app.goto('/');
  const [, other] = await openTabs(app, 2, test.info());
  await app.login();
  await expect(other.userName()).toHaveText(ALICE.name, { timeout: 1000 });
  const backHome = app.logOutThroughProvider();
  await expect(other.page.getByRole('heading', { name: 'You are not logged in' })).toBeVisible({ timeout: 1000 });
  await expect(other.loginButton()).toBeVisible();
  await backHome; // the picture is of the app, not of the provider's logout on the way
  await app.shot('the tab that logged out');
});

test('when the tab renewing for all closes mid-renewal, another tab takes over', async ({ app, idp }) => {
  await app.goto('/');
  await app.login();
  const [, survivor] = await openTabs(app, 2, test.info());
  await expect(survivor.userName()).toHaveText(ALICE.name);
  const token = await survivor.accessToken();

  // The first tab renews and never gets its answer (held), holding the cross-tab lock.
  let leaderAsked!: () => void;
  const asked = new Promise<void>((r) => (leaderAsked = r));
  await app.page.route(isSilentAuthorize, () => leaderAsked());
  await app.renewButton().click();
  await asked;
  const before = (await idp.stats()).authorizeSilent;

  // The second tab asks too and waits for the lock instead of opening its own iframe.
  await survivor.renewButton().click();
  await expect(survivor.renewButton()).toBeDisabled();
  expect((await idp.stats()).authorizeSilent).toBe(before);

  await app.page.close();
  await expect(survivor.lastRenewal()).toContainText('succeeded');
  expect((await idp.stats()).authorizeSilent).toBe(before + 1);
  await expect.poll(() => survivor.accessToken()).not.toBe(token);
});
