// DPoP from login to the Actix API: tokens bound to a non-extractable browser key, every token and
// API request carrying a fresh proof, and stolen copies useless elsewhere.
import { createHash } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { test, expect } from '../../fixtures';
import { ALICE, LOGGED_OUT, openTabs } from '../../pages/app';
import { API, IDP } from '../../playwright.config';
import type { Page, Request } from '@playwright/test';

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const headerOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());

/** The DPoP proofs a page sends, with the request they went with. */
function collectProofs(page: Page) {
  const proofs: { url: string; method: string; proof: string; authorization?: string }[] = [];
  page.on('request', (r: Request) => {
    const proof = r.headers()['dpop'];
    if (proof) proofs.push({ url: r.url(), method: r.method(), proof, authorization: r.headers()['authorization'] });
  });
  return proofs;
}

/** The thumbprint of the key in the browser's IndexedDB (what the page itself could compute). */
async function storedKeyThumbprint(page: Page): Promise<string | null> {
  const jwk = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('token-renewal');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const record = await new Promise<{ x: string; y: string } | undefined>((resolve, reject) => {
      const get = db.transaction('keys', 'readonly').objectStore('keys').get('dpop');
      get.onsuccess = () => resolve(get.result);
      get.onerror = () => reject(get.error);
    });
    db.close();
    return record ? { kty: 'EC', crv: 'P-256', x: record.x, y: record.y } : null;
  });
  return jwk ? calculateJwkThumbprint(jwk) : null;
}

test('login, renewals and API calls all go with bound tokens and fresh proofs', async ({ app, page }) => {
  const proofs = collectProofs(page);
  await app.goto('/');
  await app.login();
  await expect(page.getByTestId('token-binding')).toContainText('bound to this browser\'s key (DPoP)');
  const jkt = await storedKeyThumbprint(page);
  expect(jkt).toBeTruthy();
  const token = await app.accessToken();
  expect(claimsOf(token).cnf.jkt).toBe(jkt);
  expect(await page.evaluate(() => localStorage.getItem('token_type'))).toBe('DPoP');

  await app.renewButton().click(); // the frame check: a code exchange with a proof
  await expect(page.getByTestId('renewal-count')).toHaveText('1');
  await app.renewButton().click(); // a refresh with a proof
  await expect(app.lastRenewal()).toContainText('via refresh token');
  await page.getByRole('link', { name: 'Ping API' }).click();
  await page.getByRole('button', { name: 'Call private API' }).click();
  await expect(page.getByTestId('/api/private')).toContainText('"sub": "auth0|dev-alice"');
  await page.getByRole('link', { name: 'Profile' }).click();
  await expect(page.getByText('Profile from /userinfo.')).toBeVisible();

  const tokenCalls = proofs.filter((p) => p.url === `${IDP}/oauth/token`);
  expect(tokenCalls.length).toBe(3); // login, frame check, refresh
  const apiCall = proofs.find((p) => p.url === `${API}/api/private`);
  expect(apiCall?.authorization).toMatch(/^DPoP /);
  for (const { proof, method, url } of proofs) {
    const header = headerOf(proof);
    expect(header.typ).toBe('dpop+jwt');
    expect(header.alg).toBe('ES256');
    expect(header.jwk.d).toBeUndefined();
    expect(await calculateJwkThumbprint(header.jwk)).toBe(jkt); // one key for everything
    const claims = claimsOf(proof);
    expect(claims.htm).toBe(method);
    expect(claims.htu).toBe(url.split('?')[0]);
  }
  expect(new Set(proofs.map((p) => claimsOf(p.proof).jti)).size).toBe(proofs.length);
  await app.shot('DPoP: tokens bound to this browser');
});

test('an access token copied out is refused by the API without the key, with a foreign key, with a replayed or misdirected proof', async ({ app, page, request }) => {
  const proofs = collectProofs(page);
  await app.goto('/');
  await app.login();
  await page.getByRole('link', { name: 'Ping API' }).click();
  await page.getByRole('button', { name: 'Call private API' }).click();
  await expect(page.getByTestId('/api/private')).toContainText('"sub": "auth0|dev-alice"');
  const stolen = await app.accessToken();
  const seen = proofs.find((p) => p.url === `${API}/api/private`)?.proof ?? '';
  expect(seen).not.toBe('');

  const get = (path: string, headers: Record<string, string>) => request.get(`${API}${path}`, { headers });
  const refused = async (path: string, headers: Record<string, string>, error: string) => {
    const response = await get(path, headers);
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toContain(`error="${error}"`);
  };
  await refused('/api/private', { Authorization: `Bearer ${stolen}` }, 'invalid_token');
  await refused('/api/private', { Authorization: `DPoP ${stolen}` }, 'invalid_dpop_proof');
  await refused('/api/private', { Authorization: `DPoP ${stolen}`, DPoP: seen }, 'invalid_dpop_proof'); // replayed
  await refused('/api/private-scoped', { Authorization: `DPoP ${stolen}`, DPoP: seen }, 'invalid_dpop_proof'); // other URL

  // A proof from the thief's own key: well formed, fresh, but not the key the token names.
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const foreign = await new SignJWT({ htm: 'GET', htu: `${API}/api/private`, ath: createHash('sha256').update(stolen).digest('base64url'), jti: 'thief' })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(publicKey) })
    .setIssuedAt()
    .sign(privateKey);
  await refused('/api/private', { Authorization: `DPoP ${stolen}`, DPoP: foreign }, 'invalid_token');

  // A proof the page signs for another method (what script running in the page can do, and only
  // for as long as the page is open: DPoP does not stop that).
  const forPost = await page.evaluate(async ([api, token]) => {
    const db = await new Promise<IDBDatabase>((resolve) => { const o = indexedDB.open('token-renewal'); o.onsuccess = () => resolve(o.result); });
    const record = await new Promise<{ privateKey: CryptoKey; x: string; y: string }>((resolve) => {
      const g = db.transaction('keys').objectStore('keys').get('dpop'); g.onsuccess = () => resolve(g.result);
    });
    const b64 = (bytes: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const enc = (v: unknown) => b64(new TextEncoder().encode(JSON.stringify(v)));
    const ath = b64(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
    const input = `${enc({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: record.x, y: record.y } })}.${enc({ jti: crypto.randomUUID(), htm: 'POST', htu: `${api}/api/private`, iat: Math.floor(Date.now() / 1000), ath })}`;
    const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, record.privateKey, new TextEncoder().encode(input));
    return `${input}.${b64(sig)}`;
  }, [API, stolen]);
  await refused('/api/private', { Authorization: `DPoP ${stolen}`, DPoP: forPost }, 'invalid_dpop_proof');
});

test('a refresh token copied out is refused by the provider without the key, and the session goes on', async ({ app, page, request, idp }) => {
  await app.goto('/');
  await app.login();
  const stolen = await page.evaluate(() => localStorage.getItem('refresh_token')) ?? '';
  const before = await idp.stats();
  const attempt = await request.post(`${IDP}/oauth/token`, { form: { grant_type: 'refresh_token', client_id: 'dev-spa-client', refresh_token: stolen } });
  expect(attempt.status()).toBe(400);
  expect((await attempt.json()).error).toBe('invalid_grant');
  expect((await idp.stats()).token.refresh_token).toBe(before.token.refresh_token);
  await app.renewButton().click(); // the frame check
  await expect(page.getByTestId('renewal-count')).toHaveText('1');
  await app.renewButton().click(); // the same refresh token, with the key
  await expect(page.getByTestId('renewal-count')).toHaveText('2');
  await expect(app.lastRenewal()).toContainText(/succeeded at [\d:]+ \(manual\) via refresh token/);
});

test('the private key cannot be exported from the page', async ({ app, page }) => {
  await app.goto('/');
  await app.login();
  const outcome = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve) => { const o = indexedDB.open('token-renewal'); o.onsuccess = () => resolve(o.result); });
    const record = await new Promise<{ privateKey: CryptoKey }>((resolve) => {
      const g = db.transaction('keys').objectStore('keys').get('dpop'); g.onsuccess = () => resolve(g.result);
    });
    const extractable = record.privateKey.extractable;
    const exported = await crypto.subtle.exportKey('jwk', record.privateKey).then(() => 'exported', (e: Error) => e.name);
    return { extractable, exported, type: record.privateKey.type, usages: record.privateKey.usages };
  });
  expect(outcome).toEqual({ extractable: false, exported: 'InvalidAccessError', type: 'private', usages: ['sign'] });
});

test('five tabs share one key and make one renewal per lifetime', async ({ app, idp }) => {
  test.slow();
  await app.goto('/');
  await app.login();
  const tabs = await openTabs(app, 5, test.info());
  const proofs = tabs.map((tab) => collectProofs(tab.page));
  const before = await idp.stats();
  const first = await app.expiresAt();
  await expect.poll(() => app.expiresAt(), { timeout: 4 * idp.ttl * 1000, intervals: [250] })
    .toBeGreaterThanOrEqual(first + 3 * 0.75 * idp.ttl * 1000 - 1000);
  const after = await idp.stats();
  const calls = after.token.authorization_code - before.token.authorization_code + after.token.refresh_token - before.token.refresh_token;
  expect(calls).toBe(3);
  expect(after.invalidGrant).toBe(before.invalidGrant);
  const keys = new Set(await Promise.all(proofs.flat().map((p) => calculateJwkThumbprint(headerOf(p.proof).jwk))));
  expect(keys.size).toBe(1);
  for (const tab of tabs) await expect(tab.userName()).toHaveText(ALICE.name);
});

test('Log Out deletes the key and the next login makes a new one', async ({ app, page }) => {
  await app.goto('/');
  await app.login();
  const firstKey = await storedKeyThumbprint(page);
  const providerLogout = page.waitForRequest((r) => r.url().startsWith(`${IDP}/v2/logout`));
  await app.logOutThroughProvider(); // back on the app's page (the URL alone was already the app's before it left)
  await providerLogout;
  await expect.poll(() => storedKeyThumbprint(page)).toBeNull();
  expect(await app.stored()).toEqual(LOGGED_OUT);
  await app.login();
  const secondKey = await storedKeyThumbprint(page);
  expect(secondKey).toBeTruthy();
  expect(secondKey).not.toBe(firstKey);
  expect(claimsOf(await app.accessToken()).cnf.jkt).toBe(secondKey);
});

test('a provider asking for a DPoP nonce gets it on the one retry', async ({ app, page, idp }) => {
  await idp.restart({ env: { IDP_DPOP_NONCE: '1' } });
  const proofs = collectProofs(page);
  await app.goto('/');
  await app.login();
  const exchanges = proofs.filter((p) => p.url === `${IDP}/oauth/token`);
  expect(exchanges).toHaveLength(2);
  expect(claimsOf(exchanges[0].proof).nonce).toBeUndefined();
  expect(claimsOf(exchanges[1].proof).nonce).toBeTruthy();
  await app.renewButton().click();
  await expect(page.getByTestId('renewal-count')).toHaveText('1');
  const later = proofs.filter((p) => p.url === `${IDP}/oauth/token`).slice(2);
  expect(later.length).toBeGreaterThanOrEqual(1);
  expect(claimsOf(later[0].proof).nonce).toBeTruthy(); // remembered: no second refusal
  await expect(app.userName()).toHaveText(ALICE.name);
});
