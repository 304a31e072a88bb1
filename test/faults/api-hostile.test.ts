// Hostile input over the whole API (docs/reliability.md, "Hostile input"): every route of the OpenAPI document gets adversarial and
// random path parameters, query strings and bodies — huge numbers, NaN strings, prototype-pollution keys,
// deep nesting, a 10 MB body, unicode tricks, injection strings — as an admin (the widest scope).
// Expected: never a 5xx, every refusal in the one error format, no prototype pollution, bounded memory.
// Also: the per-caller rate limit holds across two API instances sharing Redis, and a wrong audience is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type ApiApp } from '../../api/app.ts';
import { readApiConfig } from '../../api/config.ts';
import { createApiServices } from '../../api/services.ts';
import { createTokenVerifier, signToken } from '../../infra/jwt.ts';
import { loadRegionMap } from '../../infra/regions-data.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { createRandom } from '../../core/prng.ts';
import { startApiHarness, TEST_JWT, type ApiHarness } from '../api/app-harness.ts';

const FUZZ_ROUNDS = Number(process.env.FAULT_SCALE ?? 1) * 25;

const NASTY_STRINGS = [
  '', ' ', 'NaN', 'Infinity', '-Infinity', '1e309', '-0', '0x10', '９', 'null', 'undefined', 'true',
  '__proto__', 'constructor', 'prototype', '../../etc/passwd', '%00', '\u0000', '\u202e\u0041\u0042', '\ud800',
  'ｓｔａｔｉｏｎ', 'e\u0301', '\u200b\u200b', '🚚'.repeat(500), 'A'.repeat(10_000), "' OR 1=1 --", '"; DROP MEASUREMENT position; --',
  '$(reboot)', '<script>alert(1)</script>', '2026-02-30T25:61:00Z', '9'.repeat(400),
];
const NASTY_NUMBERS = [0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 31) - 1, 0.1 + 0.2, 1e-320];

function nastyValue(rand: () => number, depth = 0): unknown {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  switch (Math.floor(rand() * (depth > 3 ? 4 : 7))) {
    case 0: return pick(NASTY_STRINGS);
    case 1: return pick(NASTY_NUMBERS);
    case 2: return pick([true, false, null]);
    case 3: return pick(['NaN', 'Infinity', '1e500', '-1']);
    case 4: return Array.from({ length: Math.floor(rand() * 4) }, () => nastyValue(rand, depth + 1));
    case 5: return JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}');
    default: {
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < 3; i++) {
        // defineProperty: a key named __proto__ becomes an own property (as JSON.parse makes it), not a prototype.
        const key = pick(['id', 'vin', 'lat', 'lon', 'name', '__proto__', 'role', 'customerId', pick(NASTY_STRINGS).slice(0, 20)]);
        Object.defineProperty(obj, key, { value: nastyValue(rand, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return obj;
    }
  }
}

/** A body shaped like the route's schema, with each property replaced by a hostile value now and then. */
function bodyFor(schema: { properties?: Record<string, unknown> } | undefined, rand: () => number): unknown {
  if (!schema?.properties || rand() < 0.2) return nastyValue(rand);
  const body: Record<string, unknown> = {};
  for (const name of Object.keys(schema.properties)) {
    if (rand() < 0.8) Object.defineProperty(body, name, { value: nastyValue(rand, 1), enumerable: true, writable: true, configurable: true });
  }
  if (rand() < 0.3) Object.defineProperty(body, '__proto__', { value: { isAdmin: true }, enumerable: true });
  return body;
}

function text(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** Percent-encodes; a lone surrogate becomes the invalid UTF-8 bytes it would be (even more hostile). */
function enc(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

interface Operation {
  method: string;
  path: string;
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}

function operations(app: ApiApp): Operation[] {
  const doc = app.swagger() as { paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>> };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    // The event stream never ends by design; it is covered by its own tests.
    if (path === '/v1/events') continue;
    for (const [method, op] of Object.entries(methods)) ops.push({ method: method.toUpperCase(), path, ...op });
  }
  return ops;
}

let h: ApiHarness;
let adminAuth: { authorization: string };
const tried = { requests: 0, byStatus: {} as Record<string, number> };

beforeAll(async () => {
  h = await startApiHarness('apihostile');
  adminAuth = h.auth(await h.token('admin'));
});
afterAll(async () => {
  process.stdout.write(`FAULT-RESULT ${JSON.stringify({ scenario: 'API hostile input', ...tried })}\n`);
  await h?.close();
});

async function send(opts: { method: string; url: string; payload?: string; headers?: Record<string, string> }) {
  const res = await h.app.inject({
    method: opts.method as 'GET',
    url: opts.url,
    ...(opts.payload !== undefined ? { payload: opts.payload } : {}),
    headers: { ...adminAuth, ...(opts.payload !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
  });
  tried.requests++;
  tried.byStatus[String(res.statusCode)] = (tried.byStatus[String(res.statusCode)] ?? 0) + 1;
  const where = `${opts.method} ${opts.url.slice(0, 120)} ${opts.payload?.slice(0, 200) ?? ''}`;
  expect(res.statusCode, `${where} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (res.statusCode >= 400) {
    const body = res.json() as { error?: unknown; message?: unknown };
    expect(typeof body.error, where).toBe('string');
    expect(typeof body.message, where).toBe('string');
  }
  return res;
}

describe('hostile input over every API route', () => {
  it('answers every adversarial request below 500, in the one error format, without pollution', async () => {
    const ops = operations(h.app);
    expect(ops.length).toBeGreaterThan(20);
    const random = createRandom(20261122); // seeded: a failing input can be replayed
    const rand = () => random.next();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let round = 0; round < FUZZ_ROUNDS; round++) {
      for (const op of ops) {
        const url = op.path.replace(/\{[^}]+\}/g, () => enc(text(nastyValue(rand)).slice(0, 300)));
        const query = (op.parameters ?? [])
          .filter((p) => p.in === 'query')
          .filter(() => rand() < 0.7)
          .map((p) => `${enc(p.name)}=${enc(text(nastyValue(rand)).slice(0, 2000))}`);
        if (rand() < 0.2) query.push('__proto__[polluted]=yes', 'constructor[prototype][polluted]=yes');
        const schema = op.requestBody?.content?.['application/json']?.schema;
        const payload = ['POST', 'PUT', 'PATCH'].includes(op.method) ? JSON.stringify(bodyFor(schema, rand)) : undefined;
        await send({ method: op.method, url: query.length ? `${url}?${query.join('&')}` : url, ...(payload !== undefined ? { payload } : {}) });
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    // Bounded memory: thousands of hostile requests leave the heap within a generous bound.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(512 * 1024 * 1024);
  });

  it('refuses non-finite numbers in query strings and paths (found by this suite: Ajv coerced "Infinity")', async () => {
    for (const url of ['/v1/ingest/dead-letters?limit=Infinity', '/v1/stations?limit=1e400', '/v1/vehicles?offset=-Infinity']) {
      const res = await send({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect((res.json() as { message: string }).message).toMatch(/^querystring\.(limit|offset) must be a finite number$/);
    }
  });

  it('refuses a 10 MB body, a deeply nested body and broken JSON with a 4xx', async () => {
    const posts = operations(h.app).filter((op) => op.method === 'POST' || op.method === 'PUT');
    expect(posts.length).toBeGreaterThan(3);
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const huge = JSON.stringify({ description: 'x'.repeat(10 * 1024 * 1024) });
    for (const op of posts) {
      const url = op.path.replace(/\{[^}]+\}/g, 'x');
      for (const payload of [huge, deep, '{"a":', '\u0000\u0001', 'null', '[]']) {
        const res = await send({ method: op.method, url, payload });
        expect(res.statusCode, `${op.method} ${url}`).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it('refuses tokens with alg none, a wrong key, expiry in the past, or a wrong audience', async () => {
    const header = (obj: object) => Buffer.from(JSON.stringify(obj)).toString('base64url');
    const none = `${header({ alg: 'none', typ: 'JWT' })}.${header({ sub: 'x', role: 'admin', exp: Math.floor(Date.now() / 1000) + 60 })}.`;
    const wrongKey = await signToken({ secret: 'another-secret-of-at-least-32-characters!' }, { sub: 'x', role: 'admin' });
    const expired = await signToken(TEST_JWT, { sub: 'x', role: 'admin' }, '-1m');
    for (const token of [none, wrongKey, expired, 'garbage', '']) {
      const res = await send({ method: 'GET', url: '/v1/stations', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(401);
    }
    const verifier = await createTokenVerifier({ ...TEST_JWT, audience: 'fleet-api' });
    const otherAudience = await signToken({ ...TEST_JWT, audience: 'another-service' }, { sub: 'x', role: 'admin' });
    await expect(verifier.verify(otherAudience)).rejects.toThrow();
    const rightAudience = await signToken({ ...TEST_JWT, audience: 'fleet-api' }, { sub: 'x', role: 'admin' });
    expect((await verifier.verify(rightAudience)).role).toBe('admin');
  });
});

describe('rate limit across two API instances sharing Redis', () => {
  it('counts one caller’s requests on both instances together', async () => {
    const limit = 12;
    const build = async () =>
      buildApp(createApiServices(readApiConfig({ API_RATE_LIMIT_MAX: String(limit), API_RATE_LIMIT_WINDOW_MS: '60000' }), {
        redis: h.redis,
        redisPrefix: `${h.services.redisPrefix}-rl`,
        tokens: await createTokenVerifier(TEST_JWT),
        telemetry: createTelemetryStore({ version: 1, url: h.services.influxUrl, database: h.services.influxDb }),
        mqtt: h.mqtt,
        regions: loadRegionMap(),
      }));
    const [one, two] = await Promise.all([build(), build()]);
    try {
      await Promise.all([one.ready(), two.ready()]);
      const caller = { authorization: `Bearer ${await h.token('agent', { sub: 'rate-limited-agent' })}` };
      const other = { authorization: `Bearer ${await h.token('agent', { sub: 'another-agent' })}` };
      const statuses: number[] = [];
      for (let i = 0; i < limit + 4; i++) {
        const app = i % 2 === 0 ? one : two;
        statuses.push((await app.inject({ method: 'GET', url: '/v1/stations', headers: caller })).statusCode);
      }
      expect(statuses.slice(0, limit).every((s) => s === 200)).toBe(true);
      expect(statuses.slice(limit)).toEqual([429, 429, 429, 429]);
      // Another caller is not affected, on either instance.
      expect((await two.inject({ method: 'GET', url: '/v1/stations', headers: other })).statusCode).toBe(200);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
