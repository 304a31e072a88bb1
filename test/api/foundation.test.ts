import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair, exportSPKI } from 'jose';
import { createTokenVerifier } from '../../infra/jwt.ts';
import { keysEverywhere } from '../../infra/redis.ts';
import { waitFor } from '../harness/context.ts';
import { startApiHarness, TEST_JWT, type ApiHarness } from './app-harness.ts';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness('apifoundation', { rateLimitMax: 5 });
});
afterAll(async () => h?.close());

describe('API foundation', () => {
  it('GET /health reports each backing service and needs no token', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.services.redis.ok).toBe(true);
    expect(body.services.influx.ok).toBe(true);
    expect(body.services.mqtt.ok).toBe(true);
  });

  it('GET /health says degraded (still 200) when InfluxDB is unreachable', async () => {
    const { buildApp } = await import('../../api/app.ts');
    const { createTelemetryStore } = await import('../../infra/telemetry-store.ts');
    const { freePort } = await import('../../infra/local-services.ts');
    const { loadRegionMap } = await import('../../infra/regions-data.ts');
    const { readApiConfig } = await import('../../api/config.ts');
    const { createApiServices } = await import('../../api/services.ts');
    const app = await buildApp(createApiServices(readApiConfig({}), {
      redis: h.redis, redisPrefix: h.services.redisPrefix, tokens: await createTokenVerifier(TEST_JWT),
      telemetry: createTelemetryStore({ version: 1, url: `http://127.0.0.1:${await freePort()}`, database: 'none' }),
      mqtt: { connected: false }, regions: loadRegionMap(),
    }));
    try {
      const res = await app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'degraded', services: { redis: { ok: true }, influx: { ok: false }, mqtt: { ok: false } } });
    } finally {
      await app.close();
    }
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    const openapi = doc.json();
    expect(openapi.openapi).toMatch(/^3\./);
    expect(openapi.paths['/health']).toBeDefined();
    expect(openapi.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
    const ui = await h.app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });

  it('unknown routes answer the one error format', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found', message: expect.stringContaining('/v1/nope'), details: [] });
  });

  it('serves Prometheus metrics with the request histogram', async () => {
    await h.app.inject({ method: 'GET', url: '/health' });
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/health"/);
  });
});

describe('rate limiting per caller (Redis-backed)', () => {
  it('answers 429 in the error format once a caller exceeds the limit; other callers are unaffected', async () => {
    const busy = h.auth(await h.token('customer', { customerId: 'RL1', sub: 'busy-client' }));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await h.app.inject({ method: 'GET', url: '/v1/customers/RL1', headers: busy })).statusCode);
    expect(statuses.slice(0, 5)).not.toContain(429);
    expect(statuses[5]).toBe(429);
    const limited = await h.app.inject({ method: 'GET', url: '/v1/customers/RL1', headers: busy });
    expect(limited.json()).toMatchObject({ error: 'rate_limited', message: expect.stringContaining('limit 5'), details: [] });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The counter lives in Redis under this deployment's prefix (shared by every API instance).
    expect((await keysEverywhere(h.redis, `${h.services.redisPrefix}:ratelimit:*`)).length).toBeGreaterThan(0);
    const other = h.auth(await h.token('customer', { customerId: 'RL2', sub: 'quiet-client' }));
    expect((await h.app.inject({ method: 'GET', url: '/v1/customers/RL2', headers: other })).statusCode).not.toBe(429);
  });
});

describe('token verification', () => {
  it('a cached verification still expires with the token', async () => {
    const verifier = await createTokenVerifier(TEST_JWT);
    const key = new TextEncoder().encode(TEST_JWT.secret);
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = await new SignJWT({ role: 'agent' }).setProtectedHeader({ alg: 'HS256' }).setSubject('brief').setExpirationTime(exp).sign(key);
    expect((await verifier.verify(shortLived)).role).toBe('agent');
    expect((await verifier.verify(shortLived)).role).toBe('agent'); // from the cache
    await waitFor(() => verifier.verify(shortLived).then(() => false, (err: { code?: string }) => err.code === 'unauthenticated'), { timeoutMs: 5000, what: 'token expiry' });
  });

  it('accepts an HS256 token signed like `npm run token` and builds the caller', async () => {
    const verifier = await createTokenVerifier(TEST_JWT);
    const caller = await verifier.verify(await h.token('customer', { customerId: 'C1' }));
    expect(caller).toEqual({ sub: 'customer-C1', role: 'customer', customerId: 'C1' });
  });

  it('rejects a wrong signature, an unknown role, a missing scope claim, and no expiry', async () => {
    const verifier = await createTokenVerifier(TEST_JWT);
    const other = new TextEncoder().encode('another-secret-that-is-32-characters-long!');
    const forged = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(other);
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'unauthenticated' });
    const key = new TextEncoder().encode(TEST_JWT.secret);
    const badRole = await new SignJWT({ role: 'root' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(key);
    await expect(verifier.verify(badRole)).rejects.toThrow(/role/);
    const noScope = await new SignJWT({ role: 'station' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(key);
    await expect(verifier.verify(noScope)).rejects.toThrow(/stationId/);
    const noExp = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(key);
    await expect(verifier.verify(noExp)).rejects.toThrow(/expiry/);
    const expired = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key);
    await expect(verifier.verify(expired)).rejects.toThrow(/expired/);
  });

  it('accepts RS256 tokens when a public key is configured, and refuses alg none', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const verifier = await createTokenVerifier({ ...TEST_JWT, publicKeyPem: await exportSPKI(publicKey) });
    const rs = await new SignJWT({ role: 'agent' }).setProtectedHeader({ alg: 'RS256' }).setSubject('idp-user').setExpirationTime('1h').sign(privateKey);
    expect(await verifier.verify(rs)).toEqual({ sub: 'idp-user', role: 'agent' });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', role: 'admin', exp: 9e9 })).toString('base64url')}.`;
    await expect(verifier.verify(none)).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});
