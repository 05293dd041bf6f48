// For `make bench`: a DPoP-bound access token from the local provider, obtained as a browser would
// (code + PKCE, the exchange carrying a proof of a key made here), and `count` fresh proofs for
// `GET <api>`, one per line after the token, for wrk (`dpop.lua`) to send one per request: every
// proof has its own `jti`, so the API's replay check and signature check run for each.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const [, , out, countText, api = 'http://localhost:3001/api/private'] = process.argv;
const IDP = 'http://localhost:4000';
const CLIENT = 'dev-spa-client';
const REDIRECT = 'http://localhost:5000/callback';
const count = Number(countText);
const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
const header = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } });
const proof = (claims) => {
  const input = `${header}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
};
const iat = () => Math.floor(Date.now() / 1000);

// The login, as a browser with a cookie jar.
const jar = new Map();
const keep = (response) => {
  for (const cookie of response.headers.getSetCookie()) { const [pair] = cookie.split(';'); const [k, v] = pair.split('='); jar.set(k, v); }
  return response;
};
const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
const go = async (url, init = {}) => keep(await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), cookie: cookies() } }));
const verifier = randomBytes(32).toString('base64url');
const authorize = new URL(`${IDP}/authorize`);
Object.entries({
  client_id: CLIENT, response_type: 'code', redirect_uri: REDIRECT, state: 'bench', nonce: 'bench',
  scope: 'openid profile email read:messages', audience: 'http://localhost:3001/api',
  code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
}).forEach(([k, v]) => authorize.searchParams.set(k, v));
let location = (await go(authorize)).headers.get('location');
const login = new URL(location, IDP);
location = (await go(`${login}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=alice%40example.com&password=wonderland' })).headers.get('location');
while (!location.startsWith(REDIRECT)) location = (await go(new URL(location, IDP))).headers.get('location');
const code = new URL(location).searchParams.get('code');
const tokenUrl = `${IDP}/oauth/token`;
const answer = await (await fetch(tokenUrl, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', DPoP: proof({ jti: randomBytes(12).toString('base64url'), htm: 'POST', htu: tokenUrl, iat: iat() }) },
  body: new URLSearchParams({ grant_type: 'authorization_code', client_id: CLIENT, code, redirect_uri: REDIRECT, code_verifier: verifier }),
})).json();
if (answer.token_type !== 'DPoP') throw new Error(`no bound token: ${JSON.stringify(answer).slice(0, 200)}`);
const ath = createHash('sha256').update(answer.access_token).digest('base64url');

const lines = [answer.access_token];
const now = iat();
for (let i = 0; i < count; i += 1) lines.push(proof({ jti: randomBytes(12).toString('base64url'), htm: 'GET', htu: api, iat: now, ath }));
writeFileSync(out, `${lines.join('\n')}\n`);
