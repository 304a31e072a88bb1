// Single sign-on against a real OpenID provider on loopback (oidc-provider): authorization code + PKCE,
// the claim → role mapping, first-time account creation, and the attacks on the callback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearNamespace, testServices, type TestServices, waitFor } from '../harness/context.ts';
import { operatorToken, setCookie, startAccountsApp, testAccountsConfig, type AccountsApp } from './harness.ts';
import { startOpenIdProvider, type TestOpenIdProvider } from './oidc-provider.ts';

const HOST = 'console.fleet.test';
const REDIRECT = `http://${HOST}/v1/auth/oidc/callback`;
let services: TestServices;
let idp: TestOpenIdProvider;
let api: AccountsApp;

beforeAll(async () => {
  services = testServices('oidc');
  idp = await startOpenIdProvider({ redirectUris: [REDIRECT] });
  api = await startAccountsApp(services, testAccountsConfig({
    oidc: {
      issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, redirectUri: REDIRECT,
      roleClaim: 'groups', roleMap: [['fleet-admins', 'admin'], ['fleet-agents', 'agent'], ['fleet-customers', 'customer']], scopes: 'openid profile email groups',
    },
  }));
});

afterAll(async () => {
  await clearNamespace(api.redis, services);
  await api?.close();
  await idp?.close();
});

/** Starts a sign-on at the API and follows the provider's redirects (with its cookies) back to our callback. */
async function throughProvider(returnTo = '/#/queue'): Promise<{ callback: string; stateCookie: string }> {
  const start = await api.app.inject({ method: 'GET', url: `/v1/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}`, headers: { host: HOST } });
  expect(start.statusCode, start.body).toBe(302);
  const state = setCookie(start.headers, 'fr_oidc_state')!;
  expect(state.attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Lax', 'Path=/v1/auth/oidc']));
  let location = String(start.headers.location);
  const authorize = new URL(location);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const jar = new Map<string, string>();
  for (let hops = 0; hops < 10; hops++) {
    if (location.startsWith(REDIRECT)) return { callback: location.slice(`http://${HOST}`.length), stateCookie: `fr_oidc_state=${state.value}` };
    const res = await fetch(location, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    await res.arrayBuffer();
    expect([302, 303], `${location} → ${res.status}`).toContain(res.status);
    location = new URL(res.headers.get('location')!, location).href;
  }
  throw new Error('the provider never redirected back');
}

describe('single sign-on (OpenID Connect, code + PKCE)', () => {
  it('the console learns that single sign-on is configured', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/v1/auth/options' })).json()).toEqual({ password: true, singleSignOn: true });
  });

  it('maps the groups claim to the agent role, creates the account once, and opens a session', async () => {
    idp.signInAs({ sub: 'idp-user-1', name: '王芳 Wang Fang', preferred_username: 'wang.fang', email: 'wang.fang@example.test', groups: ['staff', 'fleet-agents'] });
    const { callback, stateCookie } = await throughProvider('/#/queue');
    const done = await api.app.inject({ method: 'GET', url: callback, headers: { host: HOST, cookie: stateCookie } });
    expect(done.statusCode, done.body).toBe(303);
    expect(done.headers.location).toBe('/#/queue');
    const session = setCookie(done.headers, 'fr_session')!;
    expect(session.attributes).toContain('HttpOnly');
    const me = await api.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { host: HOST, cookie: `fr_session=${session.value}` } });
    expect(me.json()).toMatchObject({ role: 'agent', name: '王芳 Wang Fang', via: 'session', user: { username: 'wang.fang', source: 'oidc', email: 'wang.fang@example.test' } });

    // The same person again: same account, name refreshed from the provider.
    idp.signInAs({ sub: 'idp-user-1', name: 'Wang Fang', preferred_username: 'wang.fang', groups: ['fleet-agents'] });
    const again = await throughProvider();
    const second = await api.app.inject({ method: 'GET', url: again.callback, headers: { host: HOST, cookie: again.stateCookie } });
    const me2 = await api.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { host: HOST, cookie: `fr_session=${setCookie(second.headers, 'fr_session')!.value}` } });
    expect(me2.json().sub).toBe(me.json().sub);
    expect(me2.json().name).toBe('Wang Fang');
    // Single sign-on sign-ins are in the audit trail although the callback is a GET.
    const admin = { authorization: `Bearer ${await operatorToken('admin')}` };
    const trail = await waitFor(async () => {
      const items = (await api.app.inject({ method: 'GET', url: `/v1/audit?userId=${me.json().sub}`, headers: admin })).json().items as unknown[];
      return items.length >= 2 ? items : undefined;
    }, { what: 'audit entries of the single sign-on' });
    expect(trail[0]).toMatchObject({ action: 'GET /v1/auth/oidc/callback', actor: { kind: 'user', name: 'Wang Fang', role: 'agent' }, outcome: 'ok', status: 303 });
  });

  it('a person without a mapped group gets 403 and no session; a customer without customerId too', async () => {
    idp.signInAs({ sub: 'idp-user-2', name: 'Outsider', groups: ['visitors'] });
    const a = await throughProvider();
    const refused = await api.app.inject({ method: 'GET', url: a.callback, headers: { host: HOST, cookie: a.stateCookie } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toMatch(/no role here/);
    expect(setCookie(refused.headers, 'fr_session')).toBeUndefined();

    idp.signInAs({ sub: 'idp-user-3', name: 'Customer Without Binding', groups: ['fleet-customers'] });
    const b = await throughProvider();
    const unbound = await api.app.inject({ method: 'GET', url: b.callback, headers: { host: HOST, cookie: b.stateCookie } });
    expect(unbound.statusCode).toBe(403);
    expect(unbound.json().message).toMatch(/customerId/);

    idp.signInAs({ sub: 'idp-user-4', name: 'Customer C1', groups: ['fleet-customers'], customerId: 'C1' });
    const c = await throughProvider();
    const bound = await api.app.inject({ method: 'GET', url: c.callback, headers: { host: HOST, cookie: c.stateCookie } });
    const me = await api.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { host: HOST, cookie: `fr_session=${setCookie(bound.headers, 'fr_session')!.value}` } });
    expect(me.json()).toMatchObject({ role: 'customer', customerId: 'C1' });
  });

  it('refuses a callback this browser did not start (login CSRF), a replayed one, and a tampered code', async () => {
    idp.signInAs({ sub: 'idp-user-5', name: 'Victim', groups: ['fleet-agents'] });
    const attackers = await throughProvider();
    const noState = await api.app.inject({ method: 'GET', url: attackers.callback, headers: { host: HOST } });
    expect(noState.statusCode).toBe(401);
    expect(setCookie(noState.headers, 'fr_session')).toBeUndefined();

    const tampered = attackers.callback.replace(/code=([^&]+)/, 'code=not-the-code');
    const bad = await api.app.inject({ method: 'GET', url: tampered, headers: { host: HOST, cookie: attackers.stateCookie } });
    expect(bad.statusCode).toBe(401);
    // The state is used up by the failed attempt, so the genuine callback cannot be replayed either.
    const replay = await api.app.inject({ method: 'GET', url: attackers.callback, headers: { host: HOST, cookie: attackers.stateCookie } });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().message).toMatch(/expired or was already used/);
  });

  it('only sends people back to a path of this site', async () => {
    const start = await api.app.inject({ method: 'GET', url: `/v1/auth/oidc/start?returnTo=${encodeURIComponent('//evil.example/x')}`, headers: { host: HOST } });
    expect(start.statusCode).toBe(302);
    idp.signInAs({ sub: 'idp-user-6', name: 'Redirected', groups: ['fleet-agents'] });
    const { callback, stateCookie } = await throughProvider('https://evil.example/');
    const done = await api.app.inject({ method: 'GET', url: callback, headers: { host: HOST, cookie: stateCookie } });
    expect(done.headers.location).toBe('/');
  });
});
