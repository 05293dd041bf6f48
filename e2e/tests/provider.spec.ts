// The local provider is a test tool, and must not become an open door: its /__dev/* controls exist
// only with IDP_TEST_CONTROL=1, answer no browser page of another origin, take JSON only, cut off
// oversized bodies, and the provider refuses to start where other machines could reach it.
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { test, expect } from '../fixtures';
import { APP, IDP, SPARE_PORT } from '../playwright.config';

const json = { 'content-type': 'application/json' };

test('the test controls take JSON from no foreign origin, and send no CORS grant', async ({ idp }) => {
  const faults = `${IDP}/__dev/faults`;
  const body = JSON.stringify({ authorizeDelayMs: 0 });
  expect((await fetch(faults, { method: 'POST', headers: json, body })).status).toBe(200);
  // A page of another origin (a form post needs no preflight: text/plain or form types).
  const fromPage = await fetch(faults, { method: 'POST', headers: { ...json, origin: APP }, body });
  expect(fromPage.status).toBe(403);
  expect(fromPage.headers.get('access-control-allow-origin')).toBeNull();
  for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
    expect((await fetch(faults, { method: 'POST', headers: { 'content-type': type }, body })).status, type).toBe(415);
  }
  const stats = await fetch(`${IDP}/__dev/stats`, { headers: { origin: 'http://evil.example' } });
  expect(stats.status).toBe(403);
  expect(stats.headers.get('access-control-allow-origin')).toBeNull();
  expect((await fetch(`${IDP}/__dev/stats`)).status).toBe(200);
  expect(idp.isDefault()).toBe(true);
});

/** Status of a GET to the provider's `path` sent with the `Host` header `host`. */
function withHost(path: string, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${IDP}${path}`, { headers: { host } }, (res) => { resolve(res.statusCode); res.resume(); });
    req.on('error', reject);
    req.end();
  });
}

// DNS rebinding: a page on evil.example, whose name now resolves to 127.0.0.1, is same-origin with
// itself and sends no Origin on a GET; only the Host header still names evil.example.
test('the test controls answer only requests addressed to the provider by a loopback name', async ({ idp }) => {
  expect(idp.isDefault()).toBe(true);
  const port = new URL(IDP).port;
  for (const host of ['evil.example', `evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
    expect(await withHost('/__dev/stats', host), host).toBe(421);
  }
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
    expect(await withHost('/__dev/stats', host), host).toBe(200);
  }
});

const BIG = 8 * 1024 * 1024;

test('an oversized body is refused from its announced length, before any of it is read', async ({ idp }) => {
  expect(idp.isDefault()).toBe(true);
  const status = await new Promise<number | undefined>((resolve, reject) => {
    const req = httpRequest(`${IDP}/__dev/faults`, { method: 'POST', headers: { ...json, 'content-length': String(BIG) } },
      (res) => { resolve(res.statusCode); res.resume(); req.destroy(); });
    req.on('error', reject);
    req.flushHeaders(); // the head only: the answer must not wait for the body
  });
  expect(status).toBe(413);
});

test('an oversized streamed body is cut off, not buffered', async ({ idp }) => {
  expect(idp.isDefault()).toBe(true);
  // No announced length: the provider must stop reading once past its limit and close.
  const sent = await new Promise<number>((resolve) => {
    let written = 0;
    const req = httpRequest(`${IDP}/__dev/faults`, { method: 'POST', headers: { ...json, 'transfer-encoding': 'chunked' } },
      (res) => { res.resume(); });
    req.on('error', () => resolve(written));
    req.on('close', () => resolve(written));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = () => {
      while (written < BIG && req.write(chunk)) written += chunk.length;
      if (written < BIG) req.once('drain', () => { written += chunk.length; pump(); });
      else req.end();
    };
    pump();
  });
  expect(sent).toBeLessThan(BIG);
  expect((await fetch(`${IDP}/healthz`)).status).toBe(200);
});

test('without IDP_TEST_CONTROL the controls do not exist', async ({ idp }) => {
  await idp.restart({ env: { IDP_TEST_CONTROL: '0' } });
  for (const [path, method] of [['/__dev/stats', 'GET'], ['/__dev/faults', 'POST'], ['/__dev/refresh-token', 'POST']]) {
    const response = await fetch(`${IDP}${path}`, { method, headers: json, body: method === 'POST' ? '{}' : undefined });
    expect(response.status, path).toBe(404);
  }
  await idp.restart();
});

/** Runs the provider with `env` and gives its exit code and what it said, or `null` if it started. */
function startWith(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn('node', ['idp/server.mjs'], { env: { ...process.env, IDP_PORT: String(SPARE_PORT), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.stdout.on('data', (d) => {
      if (String(d).includes('idp: dev users')) { proc.kill(); resolve({ code: null, stderr }); }
    });
    proc.on('exit', (code) => resolve({ code, stderr }));
  });
}

test('the provider refuses to start where other machines could reach it, unless told', async () => {
  const anywhere = await startWith({ IDP_HOST: '0.0.0.0' });
  expect(anywhere.code).toBe(2);
  expect(anywhere.stderr).toContain('IDP_ALLOW_NON_LOCAL=1');
  const publicIssuer = await startWith({ IDP_ISSUER: 'https://login.example.com' });
  expect(publicIssuer.code).toBe(2);
  expect(publicIssuer.stderr).toContain('IDP_ISSUER');
  const told = await startWith({ IDP_HOST: '0.0.0.0', IDP_ALLOW_NON_LOCAL: '1' });
  expect(told.code).toBeNull();
  const loopback = await startWith({ IDP_ISSUER: `http://127.0.0.1:${SPARE_PORT}` });
  expect(loopback.code).toBeNull();
});
