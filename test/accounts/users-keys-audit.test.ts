// User administration, API keys (scope, hashing, revocation, another tenant's data) and the audit trail,
// against real Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountKeys } from '../../core/account-keys.ts';
import { clearNamespace, testServices, type TestServices, waitFor } from '../harness/context.ts';
import { operatorToken, setCookie, startAccountsApp, testAccountsConfig, type AccountsApp } from './harness.ts';

let services: TestServices;
let api: AccountsApp;
let admin: { authorization: string };
const HOST = 'api.fleet.test';
const PASSWORD = 'a long enough password';

beforeAll(async () => {
  services = testServices('userskeys');
  api = await startAccountsApp(services, testAccountsConfig());
  admin = { authorization: `Bearer ${await operatorToken('admin')}` };
  for (const id of ['C1', 'C2']) {
    const res = await api.app.inject({ method: 'POST', url: '/v1/customers', headers: admin, payload: { id, name: `Customer ${id}` } });
    expect(res.statusCode, res.body).toBe(201);
  }
});

afterAll(async () => {
  await clearNamespace(api.redis, services);
  await api?.close();
});

const newUser = (payload: Record<string, unknown>, headers: Record<string, string> = admin) =>
  api.app.inject({ method: 'POST', url: '/v1/users', headers, payload: { password: PASSWORD, displayName: 'Someone', ...payload } });

describe('users', () => {
  it('the account routes are in the OpenAPI document', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } };
    for (const path of ['/v1/users', '/v1/users/{id}', '/v1/users/{id}/password', '/v1/auth/login', '/v1/auth/logout', '/v1/auth/me', '/v1/auth/oidc/start', '/v1/auth/oidc/callback', '/v1/api-keys', '/v1/api-keys/{id}', '/v1/audit']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.securitySchemes).toHaveProperty('sessionCookie');
  });

  it('only admins manage users', async () => {
    for (const role of ['agent', 'advisor', 'customer', 'station'] as const) {
      const token = await operatorToken(role, role === 'customer' ? { customerId: 'C1' } : role === 'station' ? { stationId: 'S1' } : role === 'advisor' ? { advisorId: 'A1' } : {});
      const res = await newUser({ username: `by.${role}`, role: 'admin' }, { authorization: `Bearer ${token}` });
      expect(res.statusCode).toBe(403);
      expect((await api.app.inject({ method: 'GET', url: '/v1/users', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(403);
    }
    expect((await api.app.inject({ method: 'GET', url: '/v1/users' })).statusCode).toBe(401);
  });

  it('each role takes exactly the binding it needs; usernames are unique regardless of case', async () => {
    expect((await newUser({ username: 'cust.nobinding', role: 'customer' })).json()).toMatchObject({ error: 'validation_failed', details: [{ field: 'body.customerId' }] });
    expect((await newUser({ username: 'agent.bound', role: 'agent', customerId: 'C1' })).statusCode).toBe(400);
    const ok = await newUser({ username: 'Fleet.Manager', role: 'customer', customerId: 'C1', phone: '+86 551 7654321', email: 'fm@c1.example' });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ username: 'Fleet.Manager', role: 'customer', customerId: 'C1', active: true, mustChangePassword: false, source: 'password' });
    expect(Object.keys(ok.json())).not.toContain('passwordHash');
    const dup = await newUser({ username: 'fleet.manager', role: 'agent' });
    expect(dup.statusCode).toBe(409);
    const list = await api.app.inject({ method: 'GET', url: '/v1/users', headers: admin });
    expect(list.body).not.toMatch(/scrypt|passwordHash|a long enough password/);
    // The hash is in Redis (and only there).
    expect(await api.redis.hget(accountKeys(services.redisPrefix).users, ok.json().id)).toMatch(/"passwordHash":"scrypt\$32768\$8\$1\$/);
  });

  it('a customer user sees only its own customer', async () => {
    await newUser({ username: 'c1.user', role: 'customer', customerId: 'C1' });
    const login = await api.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { host: HOST }, payload: { username: 'c1.user', password: PASSWORD } });
    const cookie = `fr_session=${setCookie(login.headers, 'fr_session')!.value}`;
    expect((await api.app.inject({ method: 'GET', url: '/v1/customers/C1', headers: { host: HOST, cookie } })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/v1/customers/C2', headers: { host: HOST, cookie } })).statusCode).toBe(404);
  });
});

describe('API keys', () => {
  it('shown once, stored hashed, scoped to its tenant, with last use, revocable', async () => {
    const created = await api.app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin, payload: { name: 'TMS of C1', role: 'customer', customerId: 'C1' } });
    expect(created.statusCode, created.body).toBe(201);
    const { key, secret } = created.json() as { key: { id: string; lastUsedAt?: string }; secret: string };
    expect(secret).toMatch(/^frk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(key.lastUsedAt).toBeUndefined();
    const stored = await api.redis.hget(accountKeys(services.redisPrefix).apiKeys, key.id);
    expect(stored).not.toContain(secret.split('_').pop());
    const listed = await api.app.inject({ method: 'GET', url: '/v1/api-keys', headers: admin });
    expect(listed.body).not.toContain(secret.split('_').pop());
    expect(listed.body).not.toMatch(/secretHash/);

    const bearer = { authorization: `Bearer ${secret}` };
    expect((await api.app.inject({ method: 'GET', url: '/v1/customers/C1', headers: bearer })).statusCode).toBe(200);
    // Another tenant's data: answered as missing, and nothing of C2 changes.
    const foreign = await api.app.inject({ method: 'GET', url: '/v1/customers/C2', headers: bearer });
    expect(foreign.statusCode).toBe(404);
    const write = await api.app.inject({ method: 'PATCH', url: '/v1/customers/C2', headers: bearer, payload: { name: 'Hijacked' } });
    expect(write.statusCode).toBe(403);
    expect((await api.app.inject({ method: 'GET', url: '/v1/customers/C2', headers: admin })).json().name).toBe('Customer C2');
    // A key cannot manage keys or users.
    expect((await api.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer, payload: { name: 'x', role: 'customer', customerId: 'C2' } })).statusCode).toBe(403);

    const used = await api.app.inject({ method: 'GET', url: '/v1/api-keys', headers: admin });
    expect((used.json().items as Array<{ id: string; lastUsedAt?: string }>).find((k) => k.id === key.id)?.lastUsedAt).toMatch(/^\d{4}-/);

    const tampered = secret.slice(0, -2) + (secret.endsWith('AA') ? 'BB' : 'AA');
    expect((await api.app.inject({ method: 'GET', url: '/v1/customers/C1', headers: { authorization: `Bearer ${tampered}` } })).statusCode).toBe(401);

    const revoked = await api.app.inject({ method: 'DELETE', url: `/v1/api-keys/${key.id}`, headers: admin });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).toMatch(/^\d{4}-/);
    const after = await api.app.inject({ method: 'GET', url: '/v1/customers/C1', headers: bearer });
    expect(after.statusCode).toBe(401);
    expect(after.json().message).toMatch(/revoked/);
  });

  it('keys exist only for customers and stations, with their binding', async () => {
    expect((await api.app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin, payload: { name: 'root', role: 'admin' } })).statusCode).toBe(400);
    expect((await api.app.inject({ method: 'POST', url: '/v1/api-keys', headers: admin, payload: { name: 'no binding', role: 'station' } })).statusCode).toBe(400);
  });
});

describe('audit trail', () => {
  it('records who did what to which object, and admins query it by user, object and time', async () => {
    const since = new Date().toISOString();
    await newUser({ username: 'audit.admin', role: 'admin', displayName: 'Audit Admin' });
    const login = await api.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { host: HOST }, payload: { username: 'audit.admin', password: PASSWORD } });
    const session = { host: HOST, cookie: `fr_session=${setCookie(login.headers, 'fr_session')!.value}`, 'x-csrf-token': login.json().csrfToken as string };
    const adminId = login.json().user.id as string;
    const made = await newUser({ username: 'audited.agent', role: 'agent', displayName: 'Audited Agent' }, session);
    expect(made.statusCode).toBe(201);
    const agentId = made.json().id as string;
    await api.app.inject({ method: 'PATCH', url: `/v1/users/${agentId}`, headers: session, payload: { active: false } });
    await api.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { host: HOST }, payload: { username: 'audited.agent', password: 'a wrong password!' } });

    const query = (q: string) => api.app.inject({ method: 'GET', url: `/v1/audit?${q}`, headers: admin });
    const byUser = await waitFor(async () => {
      const items = (await query(`userId=${adminId}`)).json().items as unknown[];
      return items.length >= 3 ? items : undefined;
    }, { what: 'the admin user\'s audit entries' });
    expect(byUser).toEqual([
      expect.objectContaining({ actor: { kind: 'user', id: adminId, name: 'Audit Admin', role: 'admin' }, action: 'PATCH /v1/users/:id', object: `users/${agentId}`, outcome: 'ok', status: 200 }),
      expect.objectContaining({ action: 'POST /v1/users', object: `users/${agentId}`, outcome: 'ok', status: 201 }),
      expect.objectContaining({ action: 'POST /v1/auth/login', outcome: 'ok', address: '127.0.0.1' }),
    ]);
    const byObject = (await query(`object=users/${agentId}`)).json().items as Array<{ action: string }>;
    expect(byObject.map((e) => e.action)).toEqual(['PATCH /v1/users/:id', 'POST /v1/users']);
    const failed = await waitFor(async () => ((await query('object=usernames/audited.agent')).json().items as Array<Record<string, unknown>>)[0]);
    expect(failed).toMatchObject({ actor: { kind: 'anonymous' }, outcome: 'refused', status: 401 });
    const all = await query(`from=${since}`);
    expect(all.body).not.toMatch(/a wrong password|a long enough password/);
    const future = await query(`from=${new Date(Date.now() + 3_600_000).toISOString()}`);
    expect(future.json().items).toEqual([]);
    const page = await query(`from=${since}&limit=2`);
    expect(page.json().items).toHaveLength(2);
    const next = await query(`from=${since}&limit=2&before=${page.json().next}`);
    expect(next.json().items[0].id < page.json().items[1].id).toBe(true);

    const agent = { authorization: `Bearer ${await operatorToken('agent')}` };
    expect((await api.app.inject({ method: 'GET', url: '/v1/audit', headers: agent })).statusCode).toBe(403);
  });

  it('retention is bounded: entries older than the retention are trimmed', async () => {
    const { createAuditStream } = await import('../../infra/audit-stream.ts');
    const { createAuditTrail } = await import('../../accounts/audit-trail.ts');
    const key = `${services.redisPrefix}:audit-retention`;
    let clock = Date.parse('2026-01-01T00:00:00Z');
    // Old entries written with explicit ids, as if recorded 40 days ago.
    for (let i = 0; i < 300; i++) await api.redis.xadd(key, `${clock - 40 * 86_400_000}-${i + 1}`, 'action', 'old');
    const trail = createAuditTrail({ stream: createAuditStream({ redis: api.redis, key }), config: { retentionDays: 30, maxEntries: 1000 }, now: () => clock });
    clock = Date.now();
    await trail.record({ actor: { kind: 'token', id: 'op' }, action: 'POST /v1/x', outcome: 'ok', status: 200, address: '127.0.0.1', requestId: 'r1' });
    // MINID ~ trims whole stream nodes (100 entries each by default): at most one partial node of old entries may remain.
    expect(await api.redis.xlen(key)).toBeLessThanOrEqual(101);
    const kept = await trail.query({ limit: 10 });
    expect(kept.items[0]).toMatchObject({ action: 'POST /v1/x' });
  });
});
