// The README's pictures, from the app served on :5000 with the provider on :4000 (bench/screenshots.sh
// starts both): home after two automatic renewals, profile, ping with the three answers, the home
// page at phone width, and the login panel once logged out. Written to the directory given.
import { join } from 'node:path';
import { ENGINES, login } from './modes.mjs';

const APP = 'http://localhost:5000';
const out = process.argv[2] ?? '../docs';
const browser = await ENGINES[0].launch();
const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
const page = await context.newPage();
const shot = (name) => page.screenshot({ path: join(out, name), fullPage: true });

await login(page, APP);
// Two renewals, so the timeline has three tokens (12-second tokens renew about every 10 s).
await page.getByTestId('renewal-count').filter({ hasText: /^2$/ }).waitFor({ timeout: 60_000 });
await shot('home.png');
await page.getByRole('navigation').getByRole('link', { name: 'Profile' }).click();
await page.getByTestId('profile-name').filter({ hasText: /\S/ }).waitFor();
await shot('profile.png');
await page.getByRole('navigation').getByRole('link', { name: 'Ping API' }).click();
for (const name of ['Call public API', 'Call private API', 'Call scoped API (read:messages)']) {
  await page.getByRole('button', { name }).click();
}
await page.locator('pre').nth(2).waitFor();
await shot('ping.png');
await page.setViewportSize({ width: 375, height: 720 });
await page.getByRole('navigation').getByRole('link', { name: 'Home' }).click();
await page.getByTestId('timeline').waitFor();
await shot('phone.png');
await page.setViewportSize({ width: 1280, height: 720 });
// Log Out goes through the provider's logout and back: wait for the app's page to load again.
const backHome = page.waitForResponse((r) => r.request().isNavigationRequest() && r.url() === `${APP}/`);
await page.getByRole('button', { name: 'Log Out' }).click();
await backHome;
await page.getByRole('heading', { name: 'You are not logged in' }).waitFor();
await shot('login.png');
await browser.close();
console.log(`wrote home.png, profile.png, ping.png, phone.png and login.png to ${out}`);
