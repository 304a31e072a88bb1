// The admin queue board (bull-board at /admin/queues) on the real app against real Redis: sign-in sets the
// board cookie, the page, its JSON API and its static files answer admins only, and the board lists the
// system's real queues with the jobs a producer added.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { redisKeys } from '../../core/keys.ts';
import { QUEUES, RESCUE_QUEUES } from '../../core/queues.ts';
import { startApiHarness, type ApiHarness } from './app-harness.ts';

let h: ApiHarness;
let producers: Queue[];
const tokens: Record<string, string> = {};

beforeAll(async () => {
  h = await startApiHarness('queueboard');
  tokens.admin = await h.token('admin');
  tokens.agent = await h.token('agent');
  tokens.customer = await h.token('customer', { customerId: 'cust-a' });
  tokens.station = await h.token('station', { stationId: 'st-1' });
  // Jobs added as the ingester and the API add them, on a producer's own connection; no dispatcher
  // runs, so they stay where they are.
  const prefix = redisKeys(h.services.redisPrefix).bullPrefix;
  const connection = h.redis;
  producers = [QUEUES.faultEvents, RESCUE_QUEUES.rescueJobs, RESCUE_QUEUES.webhooks].map((name) => new Queue(name, { connection, prefix }));
  const [faults, jobs, webhooks] = producers as [Queue, Queue, Queue];
  await faults.add('fault', { id: 'f-1' });
  await jobs.addBulk([1, 2, 3].map((i) => ({ name: 'advance', data: { kind: 'advance', caseId: `rc-${i}` } })));
  await jobs.add('escalate', { kind: 'escalate', caseId: 'rc-1' }, { delay: 3_600_000, jobId: 'escalate-rc-1' });
  await webhooks.add('delivery', { customerId: 'cust-a', streamId: '1-0', body: '{}' }, { delay: 3_600_000 });
});
afterAll(async () => {
  await Promise.all((producers ?? []).map((q) => q.close()));
  await h?.close();
});

/** The cookie a sign-in answered, as a browser sends it back. */
async function signIn(token: string): Promise<string> {
  const res = await h.app.inject({
    method: 'POST', url: '/admin/queues/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token }).toString(),
  });
  expect(res.statusCode).toBe(303);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

async function staticAsset(): Promise<string> {
  const page = await h.app.inject({ method: 'GET', url: '/admin/queues', headers: h.auth(tokens.admin!) });
  const src = /src="(static\/js\/main\.[^"]+\.js)"/.exec(page.body)?.[1];
  expect(src).toBeDefined();
  return `/admin/queues/${src}`;
}

interface BoardQueues {
  queues: Array<{ name: string; counts: Record<string, number> }>;
}

describe('admin queue board', () => {
  it('sign-in checks an admin token and sets an HttpOnly, SameSite=Strict cookie for the board path only', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/admin/queues/login' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<form method="post" action="/admin/queues/login">');

    const res = await h.app.inject({
      method: 'POST', url: '/admin/queues/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${encodeURIComponent(tokens.admin!)}`,
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/queues');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toBe(`queue_board_token=${tokens.admin}; Path=/admin/queues; HttpOnly; SameSite=Strict`);

    // Behind a TLS-terminating proxy the cookie is Secure; a JSON body and a bearer header work too.
    const viaProxy = await h.app.inject({
      method: 'POST', url: '/admin/queues/login', headers: { 'x-forwarded-proto': 'https' }, payload: { token: tokens.admin },
    });
    expect(viaProxy.statusCode).toBe(303);
    expect(String(viaProxy.headers['set-cookie'])).toMatch(/; Secure$/);
    const viaHeader = await h.app.inject({ method: 'POST', url: '/admin/queues/login', headers: h.auth(tokens.admin!) });
    expect(viaHeader.statusCode).toBe(303);
  });

  it('sign-in refuses a bad or missing token (401) and other roles (403), without a cookie', async () => {
    for (const [token, status, error] of [
      ['not-a-jwt', 401, 'unauthenticated'],
      [tokens.agent!, 403, 'forbidden'],
      [tokens.customer!, 403, 'forbidden'],
      [tokens.station!, 403, 'forbidden'],
    ] as const) {
      const res = await h.app.inject({ method: 'POST', url: '/admin/queues/login', payload: { token } });
      expect(res.statusCode).toBe(status);
      expect(res.json()).toMatchObject({ error, message: expect.any(String), details: [] });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const none = await h.app.inject({ method: 'POST', url: '/admin/queues/login', payload: {} });
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toBe('unauthenticated');
    const empty = await h.app.inject({ method: 'POST', url: '/admin/queues/login' });
    expect(empty.statusCode).toBe(401);
    expect((await h.app.inject({ method: 'POST', url: '/admin/queues/login', payload: { token: tokens.admin, role: 'admin' } })).statusCode).toBe(400);
    // Only JWT characters reach the Set-Cookie header.
    const injected = await h.app.inject({ method: 'POST', url: '/admin/queues/login', payload: { token: `${tokens.admin}; Path=/` } });
    expect(injected.statusCode).toBe(400);
    expect(injected.json().error).toBe('validation_failed');
  });

  it('with the cookie the board page, its API and its static files answer an admin', async () => {
    const cookie = await signIn(tokens.admin!);
    const page = await h.app.inject({ method: 'GET', url: '/admin/queues', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<base href="/admin/queues/" />');
    expect(page.body).toContain('Fleet rescue queues');
    // Deep links of the single-page app are served too.
    expect((await h.app.inject({ method: 'GET', url: '/admin/queues/queue/rescue-jobs', headers: { cookie } })).statusCode).toBe(200);

    const api = await h.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { cookie } });
    expect(api.statusCode).toBe(200);
    const asset = await h.app.inject({ method: 'GET', url: await staticAsset(), headers: { cookie } });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    // A bearer header works as well as the cookie.
    expect((await h.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: h.auth(tokens.admin!) })).statusCode).toBe(200);
  });

  it('lists the real queues with the counts of the jobs that were added', async () => {
    const cookie = await signIn(tokens.admin!);
    const res = await h.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { cookie } });
    const board = res.json() as BoardQueues;
    expect(board.queues.map((q) => q.name).sort()).toEqual(['fault-events', 'rescue-jobs', 'rescue-webhooks']);
    const counts = Object.fromEntries(board.queues.map((q) => [q.name, q.counts]));
    expect(counts['fault-events']).toMatchObject({ waiting: 1, active: 0, delayed: 0, failed: 0 });
    expect(counts['rescue-jobs']).toMatchObject({ waiting: 3, delayed: 1, failed: 0 });
    expect(counts['rescue-webhooks']).toMatchObject({ waiting: 0, delayed: 1 });

    // The board acts on the same queues: a job added now is counted, one removed through the board is gone.
    await producers[1]!.add('advance', { kind: 'advance', caseId: 'rc-4' });
    const after = (await h.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { cookie } })).json() as BoardQueues;
    expect(after.queues.find((q) => q.name === 'rescue-jobs')!.counts.waiting).toBe(4);
    const removed = await h.app.inject({ method: 'PUT', url: '/admin/queues/api/queues/rescue-jobs/escalate-rc-1/clean', headers: { cookie } });
    expect(removed.statusCode).toBe(204);
    expect(await producers[1]!.getJob('escalate-rc-1')).toBeUndefined();

    // The JSON board (public contract) shows the same queues.
    const json = await h.app.inject({ method: 'GET', url: '/v1/rescue-queues', headers: h.auth(tokens.admin!) });
    expect(json.statusCode).toBe(200);
    const jsonCounts = Object.fromEntries((json.json() as BoardQueues).queues.map((q) => [q.name, q.counts]));
    expect(jsonCounts['rescue-jobs']).toMatchObject({ waiting: 4, delayed: 0 });
  });

  it('answers 401 without a token and 403 to agents, customers and stations, on pages, API and static files', async () => {
    const asset = await staticAsset();
    const urls: Array<['GET' | 'HEAD' | 'PUT', string]> = [
      ['GET', '/admin/queues'], ['GET', '/admin/queues/'], ['GET', '/admin/queues/queue/rescue-jobs'],
      ['GET', '/admin/queues/api/queues'], ['PUT', '/admin/queues/api/queues/pause'],
      ['GET', asset], ['HEAD', asset],
    ];
    for (const [method, url] of urls) {
      const anonymous = await h.app.inject({ method, url });
      expect(anonymous.statusCode, `${method} ${url}`).toBe(401);
      if (method !== 'HEAD') expect(anonymous.json()).toMatchObject({ error: 'unauthenticated', details: [] });
      const forged = await h.app.inject({ method, url, headers: { cookie: 'queue_board_token=forged.token.value' } });
      expect(forged.statusCode, `${method} ${url} forged cookie`).toBe(401);
      for (const role of ['agent', 'customer', 'station'] as const) {
        const viaHeader = await h.app.inject({ method, url, headers: h.auth(tokens[role]!) });
        expect(viaHeader.statusCode, `${method} ${url} ${role}`).toBe(403);
        if (method !== 'HEAD') expect(viaHeader.json()).toMatchObject({ error: 'forbidden', details: [] });
        // A non-admin token planted in the cookie is refused the same way.
        const viaCookie = await h.app.inject({ method, url, headers: { cookie: `queue_board_token=${tokens[role]}` } });
        expect(viaCookie.statusCode, `${method} ${url} ${role} cookie`).toBe(403);
      }
    }
    // Nothing was paused by the refused calls.
    expect(await producers[1]!.isPaused()).toBe(false);
  });

  it('the cookie opens the board only: JSON routes still need the bearer header', async () => {
    const cookie = await signIn(tokens.admin!);
    const res = await h.app.inject({ method: 'GET', url: '/v1/rescue-queues', headers: { cookie } });
    expect(res.statusCode).toBe(401);
    expect((await h.app.inject({ method: 'GET', url: '/v1/customers', headers: { cookie } })).statusCode).toBe(401);
  });

  it('signing out clears the cookie', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/admin/queues/logout' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/queues/login');
    expect(String(res.headers['set-cookie'])).toBe('queue_board_token=; Path=/admin/queues; HttpOnly; SameSite=Strict; Max-Age=0');
  });

  it('documents the sign-in in the OpenAPI document and hides the board\'s own routes', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/admin/queues/login']!).sort()).toEqual(['get', 'post']);
    expect(doc.paths['/admin/queues/logout']).toHaveProperty('get');
    const board = Object.keys(doc.paths).filter((p) => p.startsWith('/admin/queues') && !/\/(login|logout)$/.test(p));
    expect(board).toEqual([]);
  });
});
