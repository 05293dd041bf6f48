// The local provider as a test-controlled process: start, stop (as in a crash), restart with its
// sessions kept (IDP_STORE) and a new signing key, a chosen token lifetime, injected delays, and
// the provider's own count of the requests it received.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCESS_TOKEN_TTL, APP, AUDIENCE, IDP, IDP_PORT, SILENT_URI } from './playwright.config';

export interface IdpStats {
  authorize: number; authorizeSilent: number; userinfo: number;
  token: { authorization_code: number; refresh_token: number }; invalidGrant: number; revocations: number; jwks: number;
  /** The last code exchange: the verifier's shape and its S256 (the verifier itself is not kept). */
  lastExchange: { verifierShape: string; challenge: string } | null;
  /** Token answers held back by the `holdTokenAnswers` fault so far. */
  heldTokenAnswers: number;
}

/** How the provider runs: token lifetime, issuer (another site than the app with CROSS_SITE_IDP),
 *  and any other of its environment knobs. */
export interface IdpOptions { ttl?: number; issuer?: string; env?: Record<string, string> }

/** The test controls take JSON only. */
const JSON_BODY = { 'content-type': 'application/json' };

export class Idp {
  private proc?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'idp-'));
  ttl = ACCESS_TOKEN_TTL;
  issuer = IDP;
  env: Record<string, string> = {};

  async start(options: IdpOptions = {}) {
    this.ttl = options.ttl ?? this.ttl;
    this.issuer = options.issuer ?? this.issuer;
    this.env = options.env ?? this.env;
    this.proc = spawn('node', ['idp/server.mjs'], {
      env: {
        ...process.env, IDP_PORT: String(IDP_PORT), APP_ORIGIN: APP, SILENT_REDIRECT_URI: SILENT_URI, IDP_AUDIENCE: AUDIENCE,
        IDP_TEST_CONTROL: '1', ...this.env, IDP_ACCESS_TOKEN_TTL: String(this.ttl), IDP_ISSUER: this.issuer,
        IDP_STORE: join(this.dir, `store-${new URL(this.issuer).hostname}.json`),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await this.until(true);
  }

  /** The suite's provider: on the app's site, with the suite's token lifetime. */
  isDefault() { return this.ttl === ACCESS_TOKEN_TTL && this.issuer === IDP && Object.keys(this.env).length === 0; }

  /** Kills the provider the way a crash or a network cut would: no goodbye. */
  async stop() {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
    await this.until(false);
  }

  /** Restarts with `options` (default: the suite's provider); sessions of the same issuer are kept. */
  async restart(options: IdpOptions = { ttl: ACCESS_TOKEN_TTL, issuer: IDP, env: {} }) {
    await this.stop();
    await this.start(options);
  }

  async stats(): Promise<IdpStats> {
    return (await fetch(`${IDP}/__dev/stats`)).json();
  }

  /** What the provider knows of a refresh token: whether it still exists, is spent, and its key. */
  async refreshToken(token: string): Promise<{ exists: boolean; consumed: boolean; jkt: string | null }> {
    return (await fetch(`${IDP}/__dev/refresh-token`, { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ token }) })).json();
  }

  /** Provider faults: a delay before `/authorize`; token answers processed but held until released,
   *  or dropped (`dropHeldTokenAnswers`: never sent, as to a tab that closed meanwhile). */
  async faults(faults: { authorizeDelayMs?: number; holdTokenAnswers?: boolean; dropHeldTokenAnswers?: boolean }) {
    const response = await fetch(`${IDP}/__dev/faults`, { method: 'POST', headers: JSON_BODY, body: JSON.stringify(faults) });
    if (!response.ok) throw new Error(`faults: HTTP ${response.status}`);
  }

  async dispose() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async until(up: boolean) {
    for (let i = 0; i < 200; i += 1) {
      const ok = await fetch(`${IDP}/healthz`).then((r) => r.ok, () => false);
      if (ok === up) return;
      await new Promise((r) => setTimeout(r, 50)); // polling a process's port, not waiting in a test
    }
    throw new Error(`provider did not ${up ? 'start' : 'stop'}`);
  }
}
