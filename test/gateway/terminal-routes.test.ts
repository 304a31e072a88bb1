// POST/GET/DELETE /v1/terminals through the real API app (createApiServices + buildApp, `inject`), against
// real Redis: admin only, the binding rules of docs/jt808.md, and the registration rules they feed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { testVin } from '../ingest/support.ts';
import { fitTerminals } from './support.ts';

let harness: ApiHarness;
let admin: Record<string, string>;
const vins = { a: testVin(1680), b: testVin(1681), off: testVin(1682) };
const app = {
  inject: (opts: InjectOptions) => harness.app.inject({ ...opts, headers: { ...admin, ...(opts.headers ?? {}) } }),
};

beforeAll(async () => {
  harness = await startApiHarness('gwterminals');
  admin = harness.auth(await harness.token('admin'));
  await fitTerminals(harness.redis, harness.services.redisPrefix, [{ vin: vins.a }, { vin: vins.b }, { vin: vins.off, active: false }]);
});

afterAll(async () => {
  await harness?.close();
});

describe('/v1/terminals', () => {
  it('is for admins only', async () => {
    const agent = harness.auth(await harness.token('agent'));
    expect((await app.inject({ method: 'GET', url: '/v1/terminals/1', headers: agent })).statusCode).toBe(403);
    expect((await harness.app.inject({ method: 'POST', url: '/v1/terminals', payload: { id: '1', protocol: 'jt808', vin: vins.a } })).statusCode).toBe(401);
  });

  it('binds, shows, rebinds a vehicle to a new terminal and unbinds', async () => {
    const created = await app.inject({ method: 'POST', url: '/v1/terminals', payload: { id: '013800138000', protocol: 'jt808', vin: vins.a } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: '13800138000', protocol: 'jt808', vin: vins.a, registered: false });
    // The 2019 spelling of the same phone number is the same terminal.
    const again = await app.inject({ method: 'POST', url: '/v1/terminals', payload: { id: '00000000013800138000', protocol: 'jt808', vin: vins.a } });
    expect(again.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/terminals/13800138000' })).json()).toMatchObject({ vin: vins.a });

    // The vehicle changes terminals: the old binding goes away.
    const swapped = await app.inject({ method: 'POST', url: '/v1/terminals', payload: { id: '13800138001', protocol: 'jt808', vin: vins.a } });
    expect(swapped.statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/v1/terminals/13800138000' })).statusCode).toBe(404);

    // A terminal bound to one vehicle cannot be bound to another without unbinding first.
    const taken = await app.inject({ method: 'POST', url: '/v1/terminals', payload: { id: '13800138001', protocol: 'jt808', vin: vins.b } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ error: 'conflict' });
    expect(taken.json().message).toContain(vins.a);

    expect((await app.inject({ method: 'DELETE', url: '/v1/terminals/13800138001' })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: '/v1/terminals/13800138001' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/v1/terminals', payload: { id: '13800138001', protocol: 'jt808', vin: vins.b } })).statusCode).toBe(201);
  });

  it('refuses deactivated and unknown vehicles, bad ids, other protocols and unknown fields', async () => {
    const off = await app.inject({ method: 'POST', url: '/v1/terminals', payload: { id: '1', protocol: 'jt808', vin: vins.off } });
    expect(off.statusCode).toBe(409);
    expect(off.json().message).toContain('deactivated');
    expect((await app.inject({ method: 'POST', url: '/v1/terminals', payload: { id: '2', protocol: 'jt808', vin: testVin(1689) } })).statusCode).toBe(404);
    for (const payload of [
      { id: '12ab', protocol: 'jt808', vin: vins.b },
      { id: '123456789012345678901', protocol: 'jt808', vin: vins.b },
      { id: '3', protocol: 'gt06', vin: vins.b },
      { id: '3', protocol: 'jt808', vin: vins.b, authCode: 'x' },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/v1/terminals', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toBe('validation_failed');
    }
  });

  it('a terminal of a vehicle deactivated after binding cannot register or authenticate', async () => {
    const binding = harness.api.terminals;
    await fitTerminals(harness.redis, harness.services.redisPrefix, [{ vin: testVin(1683), phone: '777' }]);
    const registered = await binding.register('777', { plateColor: 0, plate: testVin(1683) });
    expect(registered.result).toBe(0);
    const code = registered.result === 0 ? registered.authCode : '';
    expect(await binding.authenticate('0777', code)).toEqual({ ok: true, vin: testVin(1683) });
    await fitTerminals(harness.redis, harness.services.redisPrefix, [{ vin: testVin(1683), active: false }]);
    expect((await binding.authenticate('777', code)).ok).toBe(false);
    expect((await binding.register('777', { plateColor: 0, plate: testVin(1683) })).result).toBe(2);
  });
});
