// Foundation smoke tests: the provider's login page, /silent posting to the app inside a frame,
// the API with a real token from the provider, and CORS for the app's origin only.
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { test, expect } from '../fixtures';
import { ALICE } from '../pages/app';
import { API, APP, IDP } from '../playwright.config';

test('the provider refuses a wrong password on its own page, then logs the dev user in', async ({ app, page }) => {
  await app.goto('/');
  await app.loginButton().click();
  await app.submitCredentials({ email: ALICE.email, password: 'not-the-password' });
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password.');
  await expect(page).toHaveURL(new RegExp(`^${IDP}/interaction/`));
  await app.shot('provider login page with an error');
  await app.submitCredentials(ALICE);
  await expect(app.userName()).toHaveText(ALICE.name);
});

test('/silent inside a frame of the app posts the redirect to the parent, at the app origin only', async ({ app, page }) => {
  await app.goto('/');
  const message = await page.evaluate((api) => new Promise<{ origin: string; data: unknown }>((resolve) => {
    window.addEventListener('message', (e) => resolve({ origin: e.origin, data: e.data }), { once: true });
    const frame = document.createElement('iframe');
    frame.src = `${api}/silent?error=x#state=abc&access_token=t`;
    document.body.append(frame);
  }), API);
  expect(message).toEqual({
    origin: API,
    data: { type: 'silent-renewal', hash: '#state=abc&access_token=t', search: '?error=x' },
  });
});

test('/silent opened on its own does nothing and sends its security headers', async ({ page }) => {
  const response = await page.goto(`${API}/silent#access_token=t`);
  const headers = response?.headers() ?? {};
  expect(headers['content-security-policy']).toContain(`frame-ancestors ${APP}`);
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-content-type-options']).toBe('nosniff');
  await expect(page.getByText('Opened on its own, it does nothing.')).toBeVisible();
});

test('the API accepts a real token from the provider and enforces scope and CORS', async ({ app, page, request }) => {
  await app.goto('/');
  await app.login();
  const token = await app.accessToken();
  const auth = { Authorization: `Bearer ${token}` };
  const priv = await request.get(`${API}/api/private`, { headers: auth });
  expect(priv.status()).toBe(200);
  expect(await priv.json()).toMatchObject({ sub: 'auth0|dev-alice' });
  expect((await request.get(`${API}/api/private-scoped`, { headers: auth })).status()).toBe(200);
  const anonymous = await request.get(`${API}/api/private`);
  expect(anonymous.status()).toBe(401);
  expect(anonymous.headers()['www-authenticate']).toBe('Bearer realm="api", DPoP realm="api", algs="ES256"');
  const forged = await request.get(`${API}/api/private`, { headers: { Authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
  expect(forged.headers()['www-authenticate']).toContain('error="invalid_token"');

  // From the app's origin the browser may read the API; from another origin it may not.
  const fromApp = await page.evaluate(async ([api, t]) => (await fetch(`${api}/api/private`, { headers: { Authorization: `Bearer ${t}` } })).status, [API, token]);
  expect(fromApp).toBe(200);
  await page.goto(`${IDP}/healthz`);
  const fromElsewhere = await page.evaluate(async (api) => fetch(`${api}/api/public`).then(() => 'read', () => 'blocked'), API);
  expect(fromElsewhere).toBe('blocked');
});

test('the provider does code + PKCE with DPoP-bound, rotating refresh tokens and reuse detection', async ({ app, page, request, idp }) => {
  await app.goto('/');
  await app.login(); // a provider session in this browser
  const verifier = randomBytes(48).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirect = `${APP}/callback`;
  const authorize = new URL(`${IDP}/authorize`);
  Object.entries({
    client_id: 'dev-spa-client', response_type: 'code', redirect_uri: redirect, state: 'pkce',
    scope: 'openid profile offline_access read:messages', audience: `${API}/api`,
    code_challenge: challenge, code_challenge_method: 'S256', prompt: 'consent',
  }).forEach(([k, v]) => authorize.searchParams.set(k, v));
  const callback = page.waitForRequest((r) => r.url().startsWith(`${redirect}?code=`));
  await page.goto(authorize.href);
  const code = new URL((await callback).url()).searchParams.get('code') ?? '';

  // A client key of our own, as a browser holds one.
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const proof = (htm: string, htu: string, accessToken?: string) => new SignJWT({
    htm, htu, jti: randomBytes(16).toString('base64url'),
    ...(accessToken ? { ath: createHash('sha256').update(accessToken).digest('base64url') } : {}),
  }).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk }).setIssuedAt().sign(privateKey);
  const token = async (form: Record<string, string>, withProof = true) => request.post(`${IDP}/oauth/token`, {
    form: { client_id: 'dev-spa-client', ...form },
    headers: withProof ? { DPoP: await proof('POST', `${IDP}/oauth/token`) } : {},
  });
  expect((await token({ grant_type: 'authorization_code', code, redirect_uri: redirect })).status()).toBe(400); // no verifier
  expect((await token({ grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier }, false)).status()).toBe(400); // no proof
  const first = await token({ grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier });
  expect(first.status()).toBe(200);
  const { refresh_token: refresh1, access_token: access, token_type: type } = await first.json();
  expect(type).toBe('DPoP');
  expect((await idp.refreshToken(refresh1)).jkt).toBe(await calculateJwkThumbprint(jwk));
  const api = `${API}/api/private-scoped`;
  expect((await request.get(api, { headers: { Authorization: `DPoP ${access}`, DPoP: await proof('GET', api, access) } })).status()).toBe(200);

  expect((await token({ grant_type: 'refresh_token', refresh_token: refresh1 }, false)).status()).toBe(400); // bound: no proof, no tokens
  const second = await token({ grant_type: 'refresh_token', refresh_token: refresh1 });
  expect(second.status()).toBe(200);
  const { refresh_token: refresh2 } = await second.json();
  expect(refresh2).not.toBe(refresh1); // rotated
  expect((await token({ grant_type: 'refresh_token', refresh_token: refresh1 })).status()).toBe(400); // reuse refused…
  expect((await idp.refreshToken(refresh2)).exists).toBe(false); // …and the whole grant revoked
});
