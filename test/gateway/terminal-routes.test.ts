// POST/GET/DELETE /v1/terminals through a small Fastify instance with the API's error handling, against real
// Redis (the route is wired into the API by its composition root; see docs/jt808.md).
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTerminalRoutes } from '../../api/routes/terminals.ts';
import { installErrorHandling } from '../../api/errors.ts';
import type { TypeBoxTypeProvider } from '../../api/typebox.ts';
import { createRedis } from '../../infra/redis.ts';
import { testServices } from '../harness/context.ts';
import { testVin } from '../ingest/support.ts';
import { fitTerminals, terminalBinding } from './support.ts';

const services = testServices('gwterminals');
const redis = createRedis(services.redisUrl, 'fail-fast');
const binding = terminalBinding(redis, services.redisPrefix);
const app = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array' } } }).withTypeProvider<TypeBoxTypeProvider>();
const vins = { a: testVin(1680), b: testVin(1681), off: testVin(1682) };

beforeAll(async () => {
  installErrorHandling(app);
  await app.register(createTerminalRoutes(binding), { prefix: '/v1' });
  await app.ready();
  await fitTerminals(redis, services.redisPrefix, [{ vin: vins.a }, { vin: vins.b }, { vin: vins.off, active: false }]);
});

afterAll(async () => {
  await app.close();
  redis.disconnect();
});

describe('/v1/terminals', () => {
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
    expect(taken.json()).toMatchObject({ error: 'conflict', details: { vin: vins.a } });

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
    await fitTerminals(redis, services.redisPrefix, [{ vin: testVin(1683), phone: '777' }]);
    const registered = await binding.register('777', { plateColor: 0, plate: testVin(1683) });
    expect(registered.result).toBe(0);
    const code = registered.result === 0 ? registered.authCode : '';
    expect(await binding.authenticate('0777', code)).toEqual({ ok: true, vin: testVin(1683) });
    await fitTerminals(redis, services.redisPrefix, [{ vin: testVin(1683), active: false }]);
    expect((await binding.authenticate('777', code)).ok).toBe(false);
    expect((await binding.register('777', { plateColor: 0, plate: testVin(1683) })).result).toBe(2);
  });
});
