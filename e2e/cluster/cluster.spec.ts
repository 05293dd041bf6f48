// `make cluster`'s layout with the app in a browser: its DPoP-bound API calls are spread by nginx
// over three replicas, and a proof captured from one of them is refused as a replay by every
// replica, since they share their replay store (Redis).
import { test, expect } from '../fixtures';
import { API } from '../playwright.config';
import { REPLICA_PORTS } from '../playwright.cluster.config';

const PRIVATE = `${API}/api/private`;

test('DPoP-bound calls through nginx reach all three replicas, and a replayed proof is refused by each', async ({ app, page }) => {
  // Which replica answered each API request (nginx names it in X-Upstream).
  const served = new Map<string, number>();
  page.on('response', (response) => {
    const upstream = response.headers()['x-upstream'];
    if (response.url().startsWith(API) && upstream) served.set(upstream, (served.get(upstream) ?? 0) + 1);
  });
  await app.goto('/');
  await app.login();
  await expect(page.getByTestId('token-binding')).toContainText('bound to this browser');
  await page.getByRole('link', { name: 'Ping API' }).click();
  let captured: Record<string, string> = {};
  for (let i = 0; i < 6; i += 1) {
    const answered = page.waitForResponse((r) => r.url() === PRIVATE && r.request().method() === 'GET');
    await page.getByRole('button', { name: 'Call private API' }).click();
    const response = await answered;
    expect(response.status()).toBe(200);
    captured = await response.request().allHeaders();
  }
  await expect(page.getByTestId('/api/private')).toContainText('Hello from a private endpoint');
  expect(new Set(served.keys())).toEqual(new Set(REPLICA_PORTS.map((port) => `127.0.0.1:${port}`)));
  expect(captured.authorization).toMatch(/^DPoP /);

  // The last call's request, replayed as it was, until every replica has refused it as a replay.
  // Each answer is a refusal: 401 (already used), or 503 when the shared store did not answer within
  // its timeout (seen once in a fresh-clone make test, three suites on two cores): the fail-closed
  // answer, which never accepts a proof.
  const refusedBy = new Set<string>();
  const answers: string[] = [];
  await expect.poll(async () => {
    const replay = await page.request.get(PRIVATE, { headers: { authorization: captured.authorization, dpop: captured.dpop } });
    const body = await replay.json();
    answers.push(`${replay.status()} ${body.error_description ?? body.error ?? ''}`);
    if (replay.status() === 401) refusedBy.add(replay.headers()['x-upstream']);
    return refusedBy.size;
  }, { intervals: [0, 250, 500, 1000] }).toBe(REPLICA_PORTS.length);
  const replayed = 'invalid DPoP proof: the DPoP proof was already used';
  expect(answers.filter((a) => a !== `401 ${replayed}` && !a.startsWith('503 '))).toEqual([]);
  expect(refusedBy.size).toBe(REPLICA_PORTS.length);
});
