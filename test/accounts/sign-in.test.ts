// Sign-in, sessions and their attacks against two API instances on one real Redis: cookie attributes,
// CSRF, fixation, tampering, expiry, deactivation, the shared brute-force limit, bad usernames.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountKeys } from '../../core/account-keys.ts';
import { clearNamespace, testServices, type TestServices, waitFor } from '../harness/context.ts';
import { operatorToken, setCookie, startAccountsApp, testAccountsConfig, type AccountsApp } from './harness.ts';

let services: TestServices;
let one: AccountsApp;
let two: AccountsApp;
let admin: { authorization: string };
const HOST = 'console.fleet.test';
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  services = testServices('signin');
  const config = testAccountsConfig({ signInLimit: { maxFailuresPerUsername: 10, lockoutMs: 1500 }, sessions: { idleTimeoutS: 600, absoluteLifetimeS: 3600 } });
  [one, two] = await Promise.all([startAccountsApp(services, config), startAccountsApp(services, config)]);
  admin = { authorization: `Bearer ${await operatorToken('admin')}` };
});

afterAll(async () => {
  await clearNamespace(one.redis, services);
  await Promise.all([one?.close(), two?.close()]);
});

async function createUser(username: string, extra: Record<string, unknown> = {}) {
  const res = await one.app.inject({
    method: 'POST', url: '/v1/users', headers: admin,
    payload: { username, password: PASSWORD, displayName: `Name of ${username}`, role: 'agent', ...extra },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; username: string };
}

function login(app: AccountsApp, username: string, password: string, headers: Record<string, string> = {}) {
  return app.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { host: HOST, ...headers }, payload: { username, password } });
}

async function signedIn(username: string, app = one) {
  const res = await login(app, username, PASSWORD);
  expect(res.statusCode, res.body).toBe(200);
  const cookie = setCookie(res.headers, 'fr_session')!;
  return { cookie: `fr_session=${cookie.value}`, csrf: (res.json() as { csrfToken: string }).csrfToken, sessionId: cookie.value };
}

describe('sign-in', () => {
  it('sets an HttpOnly SameSite=Lax session cookie held in Redis, so the other replica knows the session', async () => {
    const user = await createUser('lin.wei');
    const res = await login(one, 'Lin.Wei', PASSWORD); // usernames are case-insensitive
    expect(res.statusCode).toBe(200);
    const cookie = setCookie(res.headers, 'fr_session')!;
    expect(cookie.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Path=/']));
    expect(cookie.attributes).not.toContain('Secure'); // plain HTTP here; Secure over HTTPS
    expect(res.body).not.toMatch(/scrypt|passwordHash/);
    const me = await two.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { host: HOST, cookie: `fr_session=${cookie.value}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ sub: user.id, role: 'agent', name: 'Name of lin.wei', via: 'session', csrfToken: res.json().csrfToken });
    // Only the hash of the session id is a Redis key.
    const keys = await one.redis.keys(`${services.redisPrefix}:acct:session:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toContain(cookie.value);
  });

  it('answers a wrong password and an unknown username alike, and creates no session', async () => {
    await createUser('zhang.min');
    const before = await one.redis.keys(`${services.redisPrefix}:acct:session:*`);
    const wrong = await login(one, 'zhang.min', 'not the password at all');
    const unknown = await login(one, 'nobody.here', 'not the password at all');
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: 'invalid_credentials', message: 'wrong username or password' });
      expect(setCookie(res.headers, 'fr_session')).toBeUndefined();
    }
    expect(await one.redis.keys(`${services.redisPrefix}:acct:session:*`)).toHaveLength(before.length);
  });

  it('logout ends the session for every replica', async () => {
    await createUser('logout.user');
    const s = await signedIn('logout.user');
    const out = await one.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: { host: HOST, cookie: s.cookie, 'x-csrf-token': s.csrf } });
    expect(out.statusCode).toBe(204);
    expect(setCookie(out.headers, 'fr_session')?.attributes).toContain('Max-Age=0');
    const me = await two.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { host: HOST, cookie: s.cookie } });
    expect(me.statusCode).toBe(401);
  });
});

describe('attacks on sessions', () => {
  it('a tampered or invented cookie is 401', async () => {
    await createUser('tamper.user');
    const s = await signedIn('tamper.user');
    const flipped = s.sessionId.slice(0, -1) + (s.sessionId.endsWith('A') ? 'B' : 'A');
    for (const value of [flipped, 'x'.repeat(43), '../../etc', '{"$ne":null}']) {
      const res = await one.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { host: HOST, cookie: `fr_session=${encodeURIComponent(value)}` } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('unauthenticated');
    }
  });

  it('a cookie-authenticated change from another origin, or without the CSRF token, is refused and changes nothing', async () => {
    await createUser('csrf.admin', { role: 'admin' });
    const s = await signedIn('csrf.admin');
    const attempt = (headers: Record<string, string>) => one.app.inject({
      method: 'POST', url: '/v1/users', headers: { host: HOST, cookie: s.cookie, ...headers },
      payload: { username: 'planted.user', password: 'planted-password-1', displayName: 'Planted', role: 'admin' },
    });
    const foreign = await attempt({ origin: 'https://evil.example', 'x-csrf-token': s.csrf });
    const noToken = await attempt({ origin: `http://${HOST}` });
    const crossSite = await attempt({ 'sec-fetch-site': 'cross-site' });
    for (const res of [foreign, noToken, crossSite]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toBe('csrf_rejected');
    }
    const users = (await one.app.inject({ method: 'GET', url: '/v1/users', headers: admin })).json() as { items: Array<{ username: string }> };
    expect(users.items.map((u) => u.username)).not.toContain('planted.user');
    // The same request from the console's own origin with the token works.
    const ok = await attempt({ origin: `http://${HOST}`, 'x-csrf-token': s.csrf });
    expect(ok.statusCode).toBe(201);
  });

  it('session fixation: sign-in never keeps a session id the browser brought, and ends it', async () => {
    await createUser('fixation.user');
    const planted = await signedIn('fixation.user'); // an attacker's own valid session id, planted in the victim's browser
    const res = await login(one, 'fixation.user', PASSWORD, { cookie: planted.cookie });
    const issued = setCookie(res.headers, 'fr_session')!.value;
    expect(issued).not.toBe(planted.sessionId);
    const old = await one.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { host: HOST, cookie: planted.cookie } });
    expect(old.statusCode).toBe(401);
    const invented = await login(one, 'fixation.user', PASSWORD, { cookie: `fr_session=${'A'.repeat(43)}` });
    expect(setCookie(invented.headers, 'fr_session')!.value).not.toBe('A'.repeat(43));
  });

  it('an expired session (idle timeout passed in Redis) is 401', async () => {
    await createUser('idle.user');
    const s = await signedIn('idle.user');
    const hashes = await one.redis.smembers(accountKeys(services.redisPrefix).userSessions((await one.accounts.credentials.session(s.sessionId))!.caller.sub));
    // Let the idle timeout run out: shorten the TTL Redis holds, then wait until Redis drops the key.
    for (const h of hashes) await one.redis.pexpire(accountKeys(services.redisPrefix).session(h), 50);
    await waitFor(async () => (await one.redis.exists(...hashes.map((h) => accountKeys(services.redisPrefix).session(h)))) === 0, { what: 'session key to expire' });
    const res = await one.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { host: HOST, cookie: s.cookie } });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/session has ended/);
  });

  it('deactivating a user ends their sessions within the deactivating request', async () => {
    const user = await createUser('leaver.user');
    const [a, b] = [await signedIn('leaver.user', one), await signedIn('leaver.user', two)];
    const res = await one.app.inject({ method: 'PATCH', url: `/v1/users/${user.id}`, headers: admin, payload: { active: false } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ active: false });
    for (const s of [a, b]) {
      expect((await two.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { host: HOST, cookie: s.cookie } })).statusCode).toBe(401);
    }
    expect(await one.redis.exists(accountKeys(services.redisPrefix).userSessions(user.id))).toBe(0);
    const again = await login(one, 'leaver.user', PASSWORD);
    expect(again.statusCode).toBe(403);
    expect(again.json().error).toBe('account_deactivated');
    expect(setCookie(again.headers, 'fr_session')).toBeUndefined();
  });

  it('NoSQL-style, SQL-style and oversized usernames get a clear 4xx and change nothing', async () => {
    const before = await one.redis.keys(`${services.redisPrefix}:*`);
    const nosql = await one.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { host: HOST }, payload: { username: { $ne: '' }, password: { $gt: '' } } });
    expect(nosql.statusCode).toBe(400);
    expect(nosql.json().error).toBe('validation_failed');
    const huge = await login(one, 'a'.repeat(10_000), PASSWORD);
    expect(huge.statusCode).toBe(400);
    const sql = await login(one, "admin' OR '1'='1' --", PASSWORD);
    expect(sql.statusCode).toBe(401);
    expect(sql.json().error).toBe('invalid_credentials');
    const created = await one.app.inject({ method: 'POST', url: '/v1/users', headers: admin, payload: { username: "x' OR 1=1 --", password: PASSWORD, displayName: 'X', role: 'agent' } });
    expect(created.statusCode).toBe(400);
    const after = await one.redis.keys(`${services.redisPrefix}:*`);
    // Only the limiter's failure counter of the SQL-looking name (and audit entries) may have appeared.
    expect(after.filter((k) => !before.includes(k) && !k.includes(':signin:') && !k.endsWith(':audit'))).toEqual([]);
  });
});

describe('brute force', () => {
  it('20 wrong passwords from two replicas lock the user; the right password gets the lockout message until it expires', async () => {
    await createUser('target.user');
    const answers: number[] = [];
    for (let i = 0; i < 20; i++) answers.push((await login(i % 2 ? two : one, 'target.user', `wrong password ${i}`)).statusCode);
    // 10 failures (5 on each replica) reach the shared limit; from then on the account is locked.
    expect(answers.slice(0, 9)).toEqual(Array(9).fill(401));
    expect(answers.slice(9)).toEqual(Array(11).fill(429));
    const right = await login(one, 'target.user', PASSWORD);
    expect(right.statusCode).toBe(429);
    expect(right.json()).toMatchObject({ error: 'account_locked' });
    expect(right.json().message).toMatch(/locked/);
    expect(setCookie(right.headers, 'fr_session')).toBeUndefined();
    // An unknown username locks and answers the same way: no hint whether the name exists.
    for (let i = 0; i < 10; i++) await login(two, 'ghost.user', `wrong ${i}`);
    expect((await login(one, 'ghost.user', PASSWORD)).json().error).toBe('account_locked');
    // Once the (short, test-configured) lockout expires, the right password signs in.
    const after = await waitFor(async () => {
      const res = await login(two, 'target.user', PASSWORD);
      return res.statusCode === 200 ? res : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100, what: 'the lockout to expire' });
    expect(setCookie(after.headers, 'fr_session')).toBeDefined();
  });

  it('failures from one address across usernames lock the address', async () => {
    const services2 = testServices('signinaddr');
    const strict = await startAccountsApp(services2, testAccountsConfig({ signInLimit: { maxFailuresPerUsername: 100, maxFailuresPerAddress: 5, lockoutMs: 60_000 } }));
    try {
      for (let i = 0; i < 5; i++) expect((await login(strict, `spray.${i}`, 'guessed-password')).statusCode).toBe(401);
      const blocked = await login(strict, 'spray.99', 'guessed-password');
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().error).toBe('rate_limited');
    } finally {
      const keys = await strict.redis.keys(`${services2.redisPrefix}:*`);
      if (keys.length) await strict.redis.del(...keys);
      await strict.close();
    }
  });
});

describe('passwords', () => {
  it('an admin reset ends the sessions and forces a new password before anything else', async () => {
    const user = await createUser('reset.user');
    const old = await signedIn('reset.user');
    const reset = await one.app.inject({ method: 'POST', url: `/v1/users/${user.id}/password`, headers: admin, payload: { password: 'temporary-pass-42' } });
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toMatchObject({ mustChangePassword: true });
    expect(reset.body).not.toMatch(/scrypt|temporary-pass-42/);
    expect((await one.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { host: HOST, cookie: old.cookie } })).statusCode).toBe(401);

    const res = await login(one, 'reset.user', 'temporary-pass-42');
    expect(res.statusCode).toBe(200);
    const s = { cookie: `fr_session=${setCookie(res.headers, 'fr_session')!.value}`, csrf: res.json().csrfToken as string };
    const blocked = await one.app.inject({ method: 'GET', url: '/v1/users', headers: { host: HOST, cookie: s.cookie } });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error).toBe('password_change_required');
    const me = await one.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { host: HOST, cookie: s.cookie } });
    expect(me.json()).toMatchObject({ mustChangePassword: true });

    const weak = await one.app.inject({ method: 'POST', url: '/v1/auth/password', headers: { host: HOST, cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: { currentPassword: 'temporary-pass-42', newPassword: 'reset.user-2024' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().details).toEqual([{ field: 'body.newPassword', message: 'must not contain the username' }]);
    const changed = await one.app.inject({ method: 'POST', url: '/v1/auth/password', headers: { host: HOST, cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: { currentPassword: 'temporary-pass-42', newPassword: 'my own new secret 7' } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ mustChangePassword: false });
    expect((await one.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { host: HOST, cookie: s.cookie } })).json()).toMatchObject({ mustChangePassword: false });
    expect((await login(two, 'reset.user', 'my own new secret 7')).statusCode).toBe(200);
  });

  it('refuses passwords below the policy when creating a user', async () => {
    for (const [password, message] of [['short1', 'must have at least 10 characters'], ['policy.user.pw', 'must not contain the username'], ['aaaaaaaaaaaa', 'must use at least 4 different characters']] as const) {
      const res = await one.app.inject({ method: 'POST', url: '/v1/users', headers: admin, payload: { username: 'policy.user', password, displayName: 'P', role: 'agent' } });
      expect(res.statusCode).toBe(400);
      expect(res.json().details).toEqual([{ field: 'body.password', message }]);
    }
  });
});

describe('absolute lifetime', () => {
  it('a session in use still ends once its absolute lifetime has passed', async () => {
    const { createSessions } = await import('../../accounts/sessions.ts');
    const { createSessionStore } = await import('../../infra/session-store.ts');
    let clock = Date.now();
    const sessions = createSessions({
      store: createSessionStore({ redis: one.redis, keys: accountKeys(services.redisPrefix) }),
      config: { idleTimeoutS: 600, absoluteLifetimeS: 3600, cookieSecure: 'auto' },
      now: () => clock,
    });
    const started = await sessions.start('usr_0000000000000001', 'password', '127.0.0.1');
    clock += 3500 * 1000; // used within every idle timeout, so only the absolute lifetime can end it
    expect(await sessions.resolve(started.id)).toBeDefined();
    clock += 101 * 1000;
    expect(await sessions.resolve(started.id)).toBeUndefined();
  });
});

describe('secrets in logs', () => {
  it('no password or hash reaches the log, even at trace level, nor an answer', async () => {
    const lines: string[] = [];
    const logged = await startAccountsApp(services, testAccountsConfig(), { logLines: lines });
    try {
      const secret = 'log-canary-password-1';
      const created = await logged.app.inject({ method: 'POST', url: '/v1/users', headers: admin, payload: { username: 'log.user', password: secret, displayName: 'Log User', role: 'agent' } });
      expect(created.statusCode).toBe(201);
      const wrong = await logged.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { host: HOST }, payload: { username: 'log.user', password: 'log-canary-wrong-2' } });
      const right = await logged.app.inject({ method: 'POST', url: '/v1/auth/login', headers: { host: HOST }, payload: { username: 'log.user', password: secret } });
      const reset = await logged.app.inject({ method: 'POST', url: `/v1/users/${created.json().id}/password`, headers: admin, payload: { password: 'log-canary-reset-3' } });
      expect([wrong.statusCode, right.statusCode, reset.statusCode]).toEqual([401, 200, 200]);
      await waitFor(() => lines.some((l) => l.includes('request completed')), { what: 'request logs' });
      const all = lines.join('\n') + created.body + wrong.body + right.body + reset.body;
      expect(all).toContain('/v1/auth/login'); // the requests were logged…
      for (const leak of ['log-canary-', 'scrypt$', 'passwordHash']) expect(all).not.toContain(leak); // …without secrets
      // Nor the session id the cookie carries.
      expect(lines.join('\n')).not.toContain(setCookie(right.headers, 'fr_session')!.value);
    } finally {
      await logged.close();
    }
  });
});
