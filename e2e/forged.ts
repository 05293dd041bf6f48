// A provider whose answers a test writes: the app's requests to the local provider's `/authorize`
// (the login and the silent frame), token endpoint, key set and `/userinfo` are answered in the
// page, with ID tokens signed by keys made here. The OpenID Foundation's RP tests
// (`oidcc-client-test-*`) check a relying party against such forged answers; these are their rules
// for a browser client, in both flows.
import { createHash } from 'node:crypto';
import type { Page, Route } from '@playwright/test';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';
import { APP, IDP, SILENT_URI } from './playwright.config';

type Claims = Record<string, unknown>;
export type Flow = 'code' | 'implicit';

/** A signing key and the JWK published for it. */
export interface ForgedKey { privateKey: KeyLike; jwk: JWK }

/** How one ID token is made: the claims it carries over the valid ones, the key, the header. */
export interface Forgery {
  /** Claims set over the valid ones; `undefined` removes one. */
  claims?: Claims;
  /** The key that signs it (default: the first published). */
  key?: ForgedKey;
  /** `kid` in the header: the key's own by default, `null` for none. */
  kid?: string | null;
  /** `alg: none`, no signature. */
  unsigned?: boolean;
  /** The signature's last bytes replaced. */
  tamper?: boolean;
}

const CORS = { 'access-control-allow-origin': APP, 'access-control-expose-headers': 'DPoP-Nonce' };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** The left half of SHA-256, base64url: `at_hash` (OIDC Core §3.2.2.9). */
export const atHash = (token: string) => createHash('sha256').update(token).digest().subarray(0, 16).toString('base64url');

export async function makeKey(kid: string | null): Promise<ForgedKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', ...(kid ? { kid } : {}) };
  return { privateKey, jwk };
}

export class ForgedProvider {
  /** The keys the key set publishes now. */
  published: ForgedKey[] = [];
  /** How many times the app downloaded the key set. */
  keySetDownloads = 0;
  /** The ID token of the next login answer, and of the next renewal's. */
  login: Forgery = {};
  renewal: Forgery = {};
  /** What `/userinfo` answers (claims over the user's own). */
  userinfo: Claims = {};
  /** The grants the token endpoint answered, in order. */
  readonly grants: ('authorization_code' | 'refresh_token')[] = [];
  /** The user the valid tokens are about. */
  readonly sub = 'auth0|forged-alice';
  private issued = 0;
  /** The code last handed out, until it is exchanged: Firefox's request interception does not
   *  always give a POST's body, so the token endpoint falls back to it. */
  private outstanding?: { code: string; nonce: string; silent: boolean };

  private constructor(private readonly page: Page, readonly flow: Flow, readonly clientId: string) {}

  /** Answers in `page` the provider's requests for `flow`'s client; publishes `keys` (one key by default). */
  static async start(page: Page, flow: Flow, keys?: ForgedKey[]) {
    const provider = new ForgedProvider(page, flow, flow === 'code' ? 'dev-spa-client' : 'dev-spa-implicit');
    provider.published = keys ?? [await makeKey('forged-1')];
    await page.route(`${IDP}/.well-known/jwks.json`, (route) => {
      provider.keySetDownloads += 1;
      return route.fulfill({ headers: CORS, json: { keys: provider.published.map((k) => k.jwk) } });
    });
    await page.route((url) => url.origin === IDP && url.pathname === '/authorize', (route) => provider.authorize(route));
    await page.route(`${IDP}/oauth/token`, (route) => provider.token(route));
    await page.route(`${IDP}/userinfo`, (route) =>
      route.fulfill({ headers: CORS, json: { sub: provider.sub, name: 'Forged Alice', email: 'alice@forged.example', ...provider.userinfo } }));
    return provider;
  }

  /** An ID token for this client, valid unless `forgery` says otherwise. */
  async idToken(forgery: Forgery, extra: Claims): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Claims = {
      iss: IDP, aud: this.clientId, sub: this.sub, name: 'Forged Alice', iat: now, exp: now + 3600, ...extra, ...forgery.claims,
    };
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
    const key = forgery.key ?? this.published[0];
    const kid = forgery.kid === undefined ? key.jwk.kid : forgery.kid;
    if (forgery.unsigned) return `${b64({ alg: 'none' })}.${b64(claims)}.`;
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...(kid ? { kid } : {}) }).sign(key.privateKey);
    return forgery.tamper ? `${token.slice(0, -6)}AAAAAA` : token;
  }

  /** `/authorize`, the login's or the silent frame's: straight back with a code, or (implicit) tokens. */
  private async authorize(route: Route) {
    const asked = new URL(route.request().url());
    const silent = asked.searchParams.get('prompt') === 'none';
    const state = asked.searchParams.get('state') ?? '';
    const nonce = asked.searchParams.get('nonce') ?? '';
    const target = silent ? SILENT_URI : `${APP}/callback`;
    if (this.flow === 'code') {
      const code = `forged-code-${nonce}`;
      this.outstanding = { code, nonce, silent };
      return route.fulfill({ status: 302, headers: { location: `${target}?${new URLSearchParams({ code, state })}` } });
    }
    const access = this.accessToken();
    const idToken = await this.idToken(silent ? this.renewal : this.login, { nonce, at_hash: atHash(access) });
    const fragment = new URLSearchParams({ access_token: access, id_token: idToken, token_type: 'Bearer', expires_in: '60', state });
    return route.fulfill({ status: 302, headers: { location: `${target}#${fragment}` } });
  }

  /** The token endpoint: a code (whose nonce it carries, as a provider remembers it) or a refresh. */
  private async token(route: Route) {
    if (route.request().method() !== 'POST') return route.fallback();
    const body = route.request().postData();
    let exchange: { nonce: string; silent: boolean } | undefined;
    if (body !== null) {
      const form = new URLSearchParams(body);
      const code = form.get('code') ?? '';
      if (form.get('grant_type') === 'authorization_code') {
        exchange = { nonce: code.replace(/^forged-code-/, ''), silent: form.get('redirect_uri') !== `${APP}/callback` };
      }
    } else {
      exchange = this.outstanding; // no body to read: the code handed out last, if not yet spent
    }
    this.outstanding = undefined;
    this.grants.push(exchange ? 'authorization_code' : 'refresh_token');
    const login = exchange !== undefined && !exchange.silent;
    const extra = exchange ? { nonce: exchange.nonce } : {};
    const access = this.accessToken();
    const idToken = await this.idToken(login ? this.login : this.renewal, extra);
    return route.fulfill({
      headers: CORS,
      json: { access_token: access, token_type: 'Bearer', expires_in: 60, id_token: idToken, refresh_token: `forged-rt-${this.issued}` },
    });
  }

  private accessToken() {
    this.issued += 1;
    return `forged-access-${this.issued}`;
  }
}
