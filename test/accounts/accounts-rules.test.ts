// Pure rules of the accounts area (no services): password policy and hashing, configuration, the claim →
// role mapping and the single sign-on return path.
import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../../accounts/passwords.ts';
import { roleOfClaims, safeReturnTo } from '../../accounts/single-sign-on.ts';
import { checkRoleBinding } from '../../core/account.ts';
import { ConfigError } from '../../infra/config.ts';
import { readAccountsConfig } from '../../infra/accounts-config.ts';

describe('passwords', () => {
  it('hashes with scrypt and a random salt, and verifies only the right password', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse battery'), hashPassword('correct horse battery')]);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b); // salted
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
    // A tampered hash never verifies; no stored hash (unknown user) never verifies.
    expect(await verifyPassword('correct horse battery', a.slice(0, -2) + (a.endsWith('AA') ? 'BB' : 'AA'))).toBe(false);
    expect(await verifyPassword('correct horse battery', 'plain-text')).toBe(false);
    expect(await verifyPassword('correct horse battery', undefined)).toBe(false);
  });

  it('applies the minimum policy', () => {
    expect(() => checkPasswordPolicy('short', 'lin')).toThrow('at least 10');
    expect(() => checkPasswordPolicy('my-LIN.WEI-pass', 'lin.wei')).toThrow('must not contain the username');
    expect(() => checkPasswordPolicy('abababababab', 'x')).toThrow('4 different');
    expect(() => checkPasswordPolicy('x'.repeat(201) + 'abcd', 'x')).toThrow('at most 200');
    expect(() => checkPasswordPolicy('密码很长而且安全的口令', 'lin')).not.toThrow();
  });
});

describe('role bindings', () => {
  it('each role takes the binding it needs and no other', () => {
    expect(checkRoleBinding({ role: 'station', stationId: 'S1' })).toEqual({ role: 'station', stationId: 'S1' });
    expect(checkRoleBinding({ role: 'agent' })).toEqual({ role: 'agent' });
    expect(() => checkRoleBinding({ role: 'advisor' })).toThrow('needs advisorId');
    expect(() => checkRoleBinding({ role: 'admin', customerId: 'C1' })).toThrow('takes no customerId');
  });
});

describe('configuration', () => {
  it('has defaults, and single sign-on only with everything it needs', () => {
    const config = readAccountsConfig({});
    expect(config).toMatchObject({
      sessions: { idleTimeoutS: 1800, absoluteLifetimeS: 43_200, cookieSecure: 'auto' },
      signInLimit: { maxFailuresPerUsername: 10, maxFailuresPerAddress: 100, failureWindowS: 900, lockoutMs: 900_000 },
      audit: { retentionDays: 180, maxEntries: 1_000_000 },
    });
    expect(config.oidc).toBeUndefined();
    const base = { OIDC_ISSUER: 'https://idp.example.test', OIDC_CLIENT_ID: 'fleet', OIDC_CLIENT_SECRET: 's', OIDC_REDIRECT_URI: 'https://fleet.example.test/v1/auth/oidc/callback' };
    expect(() => readAccountsConfig(base)).toThrow(/OIDC_ROLE_MAP is required/);
    expect(() => readAccountsConfig({ ...base, OIDC_ROLE_MAP: 'fleet-agents=pilot' })).toThrow(ConfigError);
    expect(() => readAccountsConfig({ ...base, OIDC_CLIENT_SECRET: '', OIDC_ROLE_MAP: 'a=agent' })).toThrow(/OIDC_CLIENT_SECRET/);
    const oidc = readAccountsConfig({ ...base, OIDC_ROLE_MAP: 'fleet-admins=admin, fleet-agents=agent' }).oidc!;
    expect(oidc).toMatchObject({ roleClaim: 'groups', scopes: 'openid profile email', roleMap: [['fleet-admins', 'admin'], ['fleet-agents', 'agent']] });
    expect(() => readAccountsConfig({ SESSION_IDLE_TIMEOUT_S: '7200', SESSION_ABSOLUTE_LIFETIME_S: '3600' })).toThrow(/SESSION_ABSOLUTE_LIFETIME_S/);
    expect(() => readAccountsConfig({ SESSION_COOKIE_SECURE: 'sometimes' })).toThrow(/SESSION_COOKIE_SECURE/);
  });
});

describe('single sign-on rules', () => {
  const map = { roleClaim: 'groups', roleMap: [['fleet-admins', 'admin'], ['fleet-agents', 'agent']] as const };
  it('maps the first configured claim value found, from a string or a list', () => {
    expect(roleOfClaims({ groups: ['staff', 'fleet-agents', 'fleet-admins'] }, { ...map, roleMap: [...map.roleMap] })).toBe('admin');
    expect(roleOfClaims({ groups: 'fleet-agents' }, { ...map, roleMap: [...map.roleMap] })).toBe('agent');
    expect(roleOfClaims({ groups: ['visitors'] }, { ...map, roleMap: [...map.roleMap] })).toBeUndefined();
    expect(roleOfClaims({ groups: { $ne: null } }, { ...map, roleMap: [...map.roleMap] })).toBeUndefined();
  });
  it('returns only to a path of this site', () => {
    expect(safeReturnTo('/console/#/queue')).toBe('/console/#/queue');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', undefined]) expect(safeReturnTo(bad)).toBe('/');
  });
});
