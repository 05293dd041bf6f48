// Local OpenID provider shaped like an Auth0 tenant, so `make dev` and every test run with no
// account and no network. Built on the certified `oidc-provider`; only the Auth0-specific surface
// (routes, `audience`, `returnTo`, JWT access tokens with scope) is adapted here.
//
// Configuration (environment):
//   IDP_PORT (4000), IDP_HOST (127.0.0.1), IDP_ISSUER (http://localhost:4000)
//   IDP_CLIENT_ID (dev-spa-client): the app's client in the code flow (PKCE, DPoP required);
//   IDP_IMPLICIT_CLIENT_ID (dev-spa-implicit): the tutorial's implicit mode (tokens from the redirect
//     cannot be bound, so it is a client of its own); IDP_AUDIENCE (http://localhost:3001/api)
//   IDP_ACCESS_TOKEN_TTL seconds (7200, like Auth0), IDP_ID_TOKEN_TTL seconds (36000)
//   IDP_REFRESH_TOKEN_ABSOLUTE_TTL seconds (2592000 = 30 days, Auth0's default): a refresh token
//     chain ends this long after login, however often it rotates
//   IDP_REFRESH_TOKEN_IDLE_TTL seconds (1296000 = 15 days, Auth0's default): an unused refresh token
//     expires this long after it was issued
//   IDP_REFRESH_TOKEN_OVERLAP seconds (0, Auth0's default): Auth0's "Rotation Overlap Period", how long
//     a spent refresh token may still be exchanged before reuse detection revokes the grant
//   IDP_REQUIRE_DPOP (1): code and refresh grants of the client need a DPoP proof (bound tokens)
//   IDP_DPOP_NONCE (0): "1" makes the token endpoint ask for a DPoP nonce (use_dpop_nonce)
//   APP_ORIGIN (http://localhost:5000), SILENT_REDIRECT_URI (http://localhost:3001/silent)
//   IDP_AUTHORIZE_DELAY_MS (0): hold every /authorize this long (fault injection)
//   IDP_STORE (unset): a JSON file keeping sessions and grants across restarts (memory when unset)
//   IDP_TEST_CONTROL (unset): "1" enables GET /__dev/stats (request counts),
//     POST /__dev/faults {"authorizeDelayMs": n, "holdTokenAnswers": bool, "dropHeldTokenAnswers": true} and POST /__dev/refresh-token {"token": …} (exists,
//     consumed, bound key), for the e2e suite and `make bench` only. They take JSON only
//     (`content-type: application/json`, else 415), refuse any request a browser page of another
//     origin sends (an `Origin` other than the issuer's: 403), answer only a `Host` that is the
//     issuer's or a loopback name with this port (else 421: DNS rebinding), and send no CORS headers.
//   IDP_ALLOW_NON_LOCAL (unset): the provider refuses to start on a non-loopback IDP_HOST or with an
//     issuer that is not on this machine, since its users and passwords are public; "1" allows it.
// Request bodies over MAX_BODY_BYTES are answered 413 and the connection closed, never buffered.

import http from 'node:http';
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import Provider, { errors } from 'oidc-provider';
import { USERS, authenticate, avatarSvg, claimsFor, findUser } from './users.mjs';
import { errorPage, loggedOutPage, loginPage, logoutPage } from './pages.mjs';
import { store } from './file-store.mjs';

const env = (name, fallback) => process.env[name] ?? fallback;
const PORT = Number(env('IDP_PORT', '4000'));
const HOST = env('IDP_HOST', '127.0.0.1');
const ISSUER = env('IDP_ISSUER', `http://localhost:${PORT}`);
const CLIENT_ID = env('IDP_CLIENT_ID', 'dev-spa-client');
const IMPLICIT_CLIENT_ID = env('IDP_IMPLICIT_CLIENT_ID', 'dev-spa-implicit');
const AUDIENCE = env('IDP_AUDIENCE', 'http://localhost:3001/api');
const ACCESS_TTL = Number(env('IDP_ACCESS_TOKEN_TTL', '7200'));
const ID_TTL = Number(env('IDP_ID_TOKEN_TTL', '36000'));
const REFRESH_ABSOLUTE_TTL = Number(env('IDP_REFRESH_TOKEN_ABSOLUTE_TTL', '2592000'));
const REFRESH_IDLE_TTL = Number(env('IDP_REFRESH_TOKEN_IDLE_TTL', '1296000'));
const REFRESH_OVERLAP = Number(env('IDP_REFRESH_TOKEN_OVERLAP', '0'));
// DPoP (RFC 9449): on, and required at the token endpoint for this public client's code and refresh
// grants, so its refresh tokens are always bound (IDP_REQUIRE_DPOP=0 lets unbound clients in).
const REQUIRE_DPOP = env('IDP_REQUIRE_DPOP', '1') === '1';
// IDP_DPOP_NONCE=1: the token endpoint asks for a server nonce in proofs (use_dpop_nonce).
const DPOP_NONCE = env('IDP_DPOP_NONCE', '0') === '1';
const APP_ORIGIN = env('APP_ORIGIN', 'http://localhost:5000');
const SILENT_URI = env('SILENT_REDIRECT_URI', 'http://localhost:3001/silent');
const faults = { authorizeDelayMs: Number(env('IDP_AUTHORIZE_DELAY_MS', '0')), holdTokenAnswers: false };
/** Token-endpoint answers held by the `holdTokenAnswers` fault: processed (a refresh token is
 *  already rotated) but not yet sent. Releasing the fault sends them; `dropHeldTokenAnswers` never
 *  does, so the answer is lost, as to a tab that closed meanwhile. A dropped answer's connection is
 *  left open, not closed: Chromium sends a POST again whose kept-alive connection closes before any
 *  answer, which would spend the refresh token a second time. The client's own end closes it, or
 *  the provider's exit does. */
const heldAnswers = [];
const droppedAnswers = [];
const STORE = process.env.IDP_STORE;
const TEST_CONTROL = process.env.IDP_TEST_CONTROL === '1';
// Auth0 puts the OIDC scopes in the access token's scope next to the API's own.
const API_SCOPES = 'openid profile email read:messages';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
const isLoopback = (host) => LOOPBACK_HOSTS.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
if (process.env.IDP_ALLOW_NON_LOCAL !== '1') {
  let issuerHost = '';
  try { issuerHost = new URL(ISSUER).hostname; } catch { /* reported below */ }
  if (!isLoopback(HOST)) {
    console.error(`idp: IDP_HOST ${HOST} is reachable from other machines, and this provider's users and passwords are public; set IDP_ALLOW_NON_LOCAL=1 if you really mean it`);
    process.exit(2);
  }
  if (!isLoopback(issuerHost)) {
    console.error(`idp: IDP_ISSUER ${ISSUER} is not on this machine; this is a local test provider (set IDP_ALLOW_NON_LOCAL=1 if you really mean it)`);
    process.exit(2);
  }
}

for (const [name, value] of Object.entries({
  IDP_PORT: PORT, IDP_ACCESS_TOKEN_TTL: ACCESS_TTL, IDP_ID_TOKEN_TTL: ID_TTL,
  IDP_REFRESH_TOKEN_ABSOLUTE_TTL: REFRESH_ABSOLUTE_TTL, IDP_REFRESH_TOKEN_IDLE_TTL: REFRESH_IDLE_TTL,
})) {
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`idp: ${name} must be a positive integer`);
    process.exit(2);
  }
}
if (!Number.isInteger(REFRESH_OVERLAP) || REFRESH_OVERLAP < 0) {
  console.error('idp: IDP_REFRESH_TOKEN_OVERLAP must be a whole number of seconds (0 or more)');
  process.exit(2);
}

// A fresh signing key per start, as after a key rotation: clients must follow the JWKS.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `dev-${randomUUID().slice(0, 8)}`, use: 'sig', alg: 'RS256' };
const { d, p, q, dp, dq, qi, ...publicKey } = signingKey;
const localKeys = createLocalJWKSet({ keys: [publicKey] });

const provider = new Provider(ISSUER, {
  adapter: store({ path: STORE, overlapSecs: REFRESH_OVERLAP }),
  clients: [
    {
      client_id: CLIENT_ID,
      client_name: 'Token Renewal (local)',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [`${APP_ORIGIN}/callback`, SILENT_URI],
      post_logout_redirect_uris: [`${APP_ORIGIN}/`, APP_ORIGIN],
      dpop_bound_access_tokens: REQUIRE_DPOP,
    },
    {
      client_id: IMPLICIT_CLIENT_ID,
      client_name: 'Token Renewal (tutorial mode)',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['implicit', 'authorization_code', 'refresh_token'],
      response_types: ['id_token token', 'code'],
      redirect_uris: [`${APP_ORIGIN}/callback`, SILENT_URI],
      post_logout_redirect_uris: [`${APP_ORIGIN}/`, APP_ORIGIN],
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['local-dev-only-cookie-key-not-a-secret'] },
  routes: {
    authorization: '/authorize',
    token: '/oauth/token',
    userinfo: '/userinfo',
    end_session: '/v2/logout',
    jwks: '/.well-known/jwks.json',
    revocation: '/oauth/revoke',
  },
  responseTypes: ['id_token token', 'code', 'none'],
  extraParams: ['audience'],
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'nickname', 'picture', 'updated_at'],
    email: ['email', 'email_verified'],
  },
  conformIdTokenClaims: false,
  ttl: {
    AccessToken: ACCESS_TTL,
    IdToken: ID_TTL,
    AuthorizationCode: 60,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    // Rotation never extends a chain: each token lives the idle lifetime, capped by what is left of
    // the absolute lifetime counted from the login (`iiat`), as Auth0's rotation does.
    RefreshToken: (_ctx, token) => {
      const now = Math.floor(Date.now() / 1000);
      const left = (token.iiat ?? now) + REFRESH_ABSOLUTE_TTL - now;
      return Math.max(1, Math.min(REFRESH_IDLE_TTL, left));
    },
  },
  // Rotation with reuse detection: a spent refresh token presented again revokes the whole grant
  // (oidc-provider does this for a consumed token), as Auth0 does, after the overlap period if any.
  rotateRefreshToken: true,
  issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  findAccount: async (_ctx, sub) => {
    const user = findUser(sub);
    return user && { accountId: sub, claims: async (_use, scope) => claimsFor(user, new Set(String(scope).split(' '))) };
  },
  // First-party client: grant what it asks for without a consent screen, so prompt=none works.
  loadExistingGrant: async (ctx) => {
    const { session, client } = ctx.oidc;
    if (!session?.accountId) return undefined;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    const grant = (grantId && (await ctx.oidc.provider.Grant.find(grantId))) ||
      new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope('openid profile email offline_access');
    grant.addResourceScope(AUDIENCE, API_SCOPES);
    await grant.save();
    return grant;
  },
  features: {
    devInteractions: { enabled: false },
    dPoP: {
      enabled: true,
      ...(DPOP_NONCE ? { nonceSecret: randomBytes(32), requireNonce: () => true } : {}),
    },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Auth0's `audience` parameter names the API; map it to an RFC 8707 resource indicator.
      defaultResource: async (ctx, _client, oneOf) => (oneOf ? oneOf[0] : ctx.oidc.params.audience || AUDIENCE),
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resource) => {
        if (resource !== AUDIENCE) throw new errors.InvalidTarget(`unknown audience ${resource}`);
        return { scope: API_SCOPES, audience: AUDIENCE, accessTokenTTL: ACCESS_TTL, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
      },
    },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => { ctx.body = logoutPage(form); },
      postLogoutSuccessSource: async (ctx) => { ctx.body = loggedOutPage(); },
    },
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = errorPage(out);
  },
});
provider.proxy = false;

// oidc-provider refuses implicit clients with http:// or localhost redirect URIs. This provider
// only ever runs on a developer's loopback, so exactly those two checks are relaxed, nothing else.
const { invalidate } = provider.Client.Schema.prototype;
provider.Client.Schema.prototype.invalidate = function relaxed(message, code) {
  if (code === 'implicit-force-https' || code === 'implicit-forbid-localhost') return;
  invalidate.call(this, message, code);
};

// The provider's own counts, for tests and `make bench` (GET /__dev/stats with IDP_TEST_CONTROL=1).
const stats = {
  authorize: 0, authorizeSilent: 0, userinfo: 0,
  token: { authorization_code: 0, refresh_token: 0 }, invalidGrant: 0, revocations: 0,
  // Key-set downloads: `make bench` checks the API's refetch limit holds under a flood of unknown kids.
  jwks: 0,
  // The last code exchange as the provider received it: the verifier's shape and its S256, never the
  // verifier itself (the e2e suite checks PKCE on the provider's side, where every engine can).
  lastExchange: null,
  // Token answers the `holdTokenAnswers` fault has held back so far.
  heldTokenAnswers: 0,
  // CORS preflights (OPTIONS) and TCP connections accepted: `make bench` reports both per renewal,
  // in each engine, to tell whether a browser caches preflights and reuses its connections.
  preflights: 0, connections: 0,
};
provider.on('grant.success', (ctx) => {
  const type = ctx.oidc.params?.grant_type;
  if (type in stats.token) stats.token[type] += 1;
  if (type === 'authorization_code') {
    const verifier = String(ctx.oidc.params.code_verifier ?? '');
    stats.lastExchange = {
      verifierShape: /^[A-Za-z0-9_-]{43}$/.test(verifier) ? '43 base64url characters' : `other (${verifier.length} characters)`,
      challenge: createHash('sha256').update(verifier).digest('base64url'),
    };
  }
});
provider.on('grant.error', (_ctx, err) => {
  if (err.error === 'invalid_grant') stats.invalidGrant += 1;
  console.error(`idp: token endpoint: ${err.error} (${err.error_detail ?? err.error_description})`);
});
const oidc = provider.callback();

/** Largest request body read (forms, test controls); the provider's own endpoints limit theirs. */
const MAX_BODY_BYTES = 4096;

/** Thrown when a body is over the limit: the request has been answered (413) and cut off. */
class TooLarge extends Error {}

/** The body as text, or `TooLarge` once it passes `limit`: then 413 is sent, the connection
 *  closed and the rest never read (an announced length over the limit is refused before any). */
function readBody(req, res, limit = MAX_BODY_BYTES) {
  return new Promise((resolve, reject) => {
    const tooLarge = () => {
      req.removeAllListeners('data');
      res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
      res.end('request body too large', () => req.destroy());
      reject(new TooLarge());
    };
    if (Number(req.headers['content-length'] ?? 0) > limit) return tooLarge();
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) return tooLarge();
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Whether a test-control request may be served: JSON, and not sent by a page of another origin.
 *  Answers the refusal itself. */
// The names the test controls answer to: the issuer's host, or a loopback name, with this port. A
// page of another site whose name was rebound to 127.0.0.1 (DNS rebinding) sends its own name in
// `Host`, and no `Origin` on a GET, so only `Host` tells it apart.
function addressedHere(host) {
  let url;
  try { url = new URL(`http://${host}`); } catch { return false; }
  const port = url.port || '80';
  const name = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const issuer = new URL(ISSUER);
  return (port === String(PORT) || port === (issuer.port || '80')) && (isLoopback(name) || url.hostname === issuer.hostname);
}

function controlRefused(req, res) {
  if (!addressedHere(req.headers.host ?? '')) {
    send(res, 421, 'test controls answer only to this machine\'s names', { 'content-type': 'text/plain' });
    return true;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== new URL(ISSUER).origin) {
    send(res, 403, 'test controls answer no other origin', { 'content-type': 'text/plain' });
    return true;
  }
  if (req.method === 'POST' && !/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    send(res, 415, 'test controls take application/json', { 'content-type': 'text/plain' });
    return true;
  }
  return false;
}

const readForm = async (req, res) => new URLSearchParams(await readBody(req, res));

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, 'interaction mismatch');
  const clientName = 'Token Renewal';
  if (req.method === 'GET' && !action && details.prompt.name === 'consent') {
    // First-party client: consent (asked for explicitly with prompt=consent, e.g. to get a refresh
    // token for offline_access) is granted without a screen, like Auth0 does for its own apps.
    const { Grant } = provider;
    const grant = (details.grantId && (await Grant.find(details.grantId))) ||
      new Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    grant.addOIDCScope('openid profile email offline_access');
    grant.addResourceScope(AUDIENCE, API_SCOPES);
    return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }
  if (req.method === 'GET' && !action) {
    return send(res, 200, loginPage({ uid, clientName, users: USERS }));
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req, res);
    const user = authenticate(form.get('email'), form.get('password'));
    if (!user) {
      return send(res, 401, loginPage({ uid, clientName, users: USERS, email: form.get('email'), error: 'Wrong email or password.' }));
    }
    return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }
  return send(res, 405, 'method not allowed');
}

// Auth0's /userinfo accepts the API access token (its `aud` lists /userinfo too); oidc-provider's
// refuses tokens bound to another resource. Answer it here with the same checks Auth0 makes.
const seenProofs = new Map(); // jti → expiry (ms): a proof is good once

/** Checks a DPoP proof for `GET /userinfo` with `token` (RFC 9449 §4.3); throws when it fails. */
async function checkProof(proof, token) {
  const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
  const now = Date.now();
  if (payload.htm !== 'GET' || payload.htu !== `${ISSUER}/userinfo`) throw new Error('proof for another request');
  if (Math.abs(now / 1000 - payload.iat) > 60) throw new Error('stale proof');
  if (payload.ath !== createHash('sha256').update(token).digest('base64url')) throw new Error('proof for another token');
  if (typeof payload.jti !== 'string' || seenProofs.has(payload.jti)) throw new Error('replayed proof');
  for (const [jti, expires] of seenProofs) if (expires < now) seenProofs.delete(jti);
  seenProofs.set(payload.jti, now + 120_000);
  return calculateJwkThumbprint(protectedHeader.jwk);
}

// Auth0's /userinfo accepts the API access token (its `aud` lists /userinfo too); oidc-provider's
// refuses tokens bound to another resource. Answer it here with the same checks Auth0 makes; a
// DPoP-bound token (cnf.jkt) is taken only as `Authorization: DPoP` with a proof of its key.
async function userinfo(req, res) {
  const origin = req.headers.origin;
  const cors = origin === APP_ORIGIN ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
  if (req.method === 'OPTIONS') {
    return send(res, 204, '', { ...cors, 'access-control-allow-methods': 'GET', 'access-control-allow-headers': 'authorization, dpop', 'access-control-max-age': '600' });
  }
  const json = { ...cors, 'content-type': 'application/json' };
  const [, scheme, token] = /^(Bearer|DPoP) ([A-Za-z0-9._~+/-]+=*)$/i.exec(req.headers.authorization ?? '') ?? [];
  const refuse = (challenge) => send(res, 401, JSON.stringify({ error: 'invalid_token' }), { ...json, 'www-authenticate': challenge });
  if (!token) return refuse('Bearer realm="userinfo", DPoP algs="ES256"');
  try {
    const { payload } = await jwtVerify(token, localKeys, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'] });
    const bound = payload.cnf?.jkt;
    if (bound && scheme.toLowerCase() !== 'dpop') throw new Error('a bound token presented as a bearer token');
    if (scheme.toLowerCase() === 'dpop' && bound !== await checkProof(String(req.headers.dpop ?? ''), token)) {
      throw new Error('the proof is not from the key the token is bound to');
    }
    const user = findUser(payload.sub);
    if (!user) throw new Error('unknown subject');
    stats.userinfo += 1;
    return send(res, 200, JSON.stringify(claimsFor(user, new Set(String(payload.scope).split(' ')))), json);
  } catch {
    return refuse(scheme?.toLowerCase() === 'dpop' ? 'DPoP error="invalid_token", algs="ES256"' : 'Bearer error="invalid_token"');
  }
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, ISSUER);
  if (req.method === 'OPTIONS') stats.preflights += 1;
  try {
    if (url.pathname === '/healthz') return send(res, 200, 'ok', { 'content-type': 'text/plain' });
    if (url.pathname.startsWith('/__dev/')) {
      if (!TEST_CONTROL) return send(res, 404, 'not found', { 'content-type': 'text/plain' });
      if (controlRefused(req, res)) return undefined;
    }
    if (url.pathname === '/__dev/stats' && TEST_CONTROL && req.method === 'GET') {
      return send(res, 200, JSON.stringify(stats), { 'content-type': 'application/json' });
    }
    if (url.pathname === '/__dev/refresh-token' && TEST_CONTROL && req.method === 'POST') {
      // What the provider knows of a refresh token, never the token itself: for tests of
      // revocation and binding.
      const { token } = JSON.parse((await readBody(req, res)) || '{}');
      const found = typeof token === 'string' ? await provider.RefreshToken.find(token) : undefined;
      const state = { exists: Boolean(found), consumed: Boolean(found?.consumed), jkt: found?.jkt ?? null };
      return send(res, 200, JSON.stringify(state), { 'content-type': 'application/json' });
    }
    if (url.pathname === '/__dev/faults' && TEST_CONTROL && req.method === 'POST') {
      const body = JSON.parse((await readBody(req, res)) || '{}');
      if (Number.isInteger(body.authorizeDelayMs) && body.authorizeDelayMs >= 0) faults.authorizeDelayMs = body.authorizeDelayMs;
      if (typeof body.holdTokenAnswers === 'boolean') faults.holdTokenAnswers = body.holdTokenAnswers;
      if (body.dropHeldTokenAnswers === true) heldAnswers.splice(0).forEach((held) => held.drop());
      if (!faults.holdTokenAnswers) heldAnswers.splice(0).forEach((held) => held.send());
      return send(res, 200, JSON.stringify(faults), { 'content-type': 'application/json' });
    }
    const avatar = /^\/avatars\/([a-z]+)\.svg$/.exec(url.pathname);
    const avatarOf = avatar && USERS.find((u) => u.nickname === avatar[1]);
    if (avatarOf) return send(res, 200, avatarSvg(avatarOf), { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' });
    if (url.pathname === '/favicon.ico') return send(res, 204, '');
    const match = /^\/interaction\/([\w-]+)(?:\/(login))?$/.exec(url.pathname);
    if (match) return await interaction(req, res, match[1], match[2]);
    if (url.pathname === '/userinfo') return await userinfo(req, res);
    if (url.pathname === '/oauth/revoke' && req.method === 'POST') stats.revocations += 1;
    if (url.pathname === '/oauth/token' && faults.holdTokenAnswers) {
      // The answer is written in full (headers go out with `end`) and kept until the fault is lifted.
      const end = res.end.bind(res);
      res.end = (...args) => {
        heldAnswers.push({ send: () => end(...args), drop: () => droppedAnswers.push(res) });
        stats.heldTokenAnswers += 1;
        return res;
      };
    }
    if (url.pathname === '/.well-known/jwks.json') stats.jwks += 1;
    if (url.pathname === '/authorize') {
      stats.authorize += 1;
      if (url.searchParams.get('prompt') === 'none') stats.authorizeSilent += 1;
      // Like Auth0, offline_access in a code request is enough for a refresh token; oidc-provider
      // also wants prompt=consent, which this first-party client is granted without a screen.
      const scopes = (url.searchParams.get('scope') ?? '').split(' ');
      if (url.searchParams.get('response_type') === 'code' && scopes.includes('offline_access') && !url.searchParams.has('prompt')) {
        url.searchParams.set('prompt', 'consent');
        req.url = `${url.pathname}?${url.searchParams}`;
      }
      console.log(`idp: /authorize prompt=${url.searchParams.get('prompt') ?? '-'} redirect_uri=${url.searchParams.get('redirect_uri')}`);
      if (faults.authorizeDelayMs > 0) await new Promise((r) => setTimeout(r, faults.authorizeDelayMs));
    }
    if (url.pathname === '/v2/logout' && url.searchParams.has('returnTo')) {
      // Auth0's logout parameters, mapped onto RP-initiated logout.
      url.searchParams.set('post_logout_redirect_uri', url.searchParams.get('returnTo'));
      url.searchParams.delete('returnTo');
      req.url = `${url.pathname}?${url.searchParams}`;
    }
    return oidc(req, res);
  } catch (err) {
    if (err instanceof TooLarge) return undefined; // answered and cut off
    console.error('idp:', err.message);
    if (!res.headersSent) send(res, 400, errorPage({ error: 'invalid_request', error_description: err.message }));
  }
});

server.on('error', (err) => {
  console.error(`idp: cannot listen on ${HOST}:${PORT}: ${err.message}`);
  process.exit(1);
});
server.on('connection', () => { stats.connections += 1; });
server.listen(PORT, HOST, () => {
  console.log(`idp: ${ISSUER} (clients ${CLIENT_ID}, ${IMPLICIT_CLIENT_ID}; audience ${AUDIENCE}; access token ${ACCESS_TTL}s)`);
  console.log(`idp: dev users: ${USERS.map((u) => `${u.email} / ${u.password}`).join(', ')}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections(); // keep-alive clients (the backend's key fetches) must not hold the exit
    droppedAnswers.splice(0).forEach((res) => res.destroy());
  });
}
