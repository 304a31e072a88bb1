// POST /v1/import/{kind}?dryRun=true against the real app and Redis: every row validated as by a real import,
// the counts that would be created / updated / unchanged and the problems per row, and nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../core/vin.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { startApiHarness, type ApiHarness } from './app-harness.ts';

let h: ApiHarness;
let admin: { authorization: string };
const vin = (n: number) => withCheckDigit(`LFWDRYRN0${String(n).padStart(8, '0')}`);

beforeAll(async () => {
  h = await startApiHarness('apidryrun');
  admin = h.auth(await h.token('admin'));
  const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
  await registry.putMany('customer', [{ id: 'acme', name: '顺达物流', active: true }]);
  await registry.putMany('vehicle', [
    { vin: vin(1), customerId: 'acme', plate: '沪A10001', active: true },
    { vin: vin(2), customerId: 'acme', plate: '沪A10002', active: true },
  ]);
});
afterAll(async () => h?.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url, headers: { ...admin, ...headers }, payload: payload as object });

describe('POST /v1/import/{kind}?dryRun=true', () => {
  it('counts what would be created, updated and left unchanged, and stores nothing', async () => {
    const rows = [
      { vin: vin(1), customerId: 'acme', plate: '沪A10001', active: true }, // unchanged
      { vin: vin(2), customerId: 'acme', plate: '沪B20002', active: true }, // updated
      { vin: vin(3), customerId: 'acme', plate: '沪A10003', active: true }, // created
    ];
    const res = await post('/v1/import/vehicles?dryRun=true', rows);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ kind: 'vehicle', rows: 3, created: 1, updated: 1, unchanged: 1, dryRun: true, rowsWithProblems: 0, problems: [] });
    const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
    const [two, three] = await registry.getMany('vehicle', [vin(2), vin(3)]);
    expect(two?.plate).toBe('沪A10002');
    expect(three).toBeUndefined();
    // The real import then does what the dry run said.
    const real = await post('/v1/import/vehicles', rows);
    expect(real.json()).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    expect(real.json().dryRun).toBeUndefined();
  });

  it('answers every row\'s problems with 200 (a real import answers 400 and stores nothing), CSV too', async () => {
    const csv = 'vin,customerId,plate\n' + `${vin(10)},acme,沪A11110\n` + `${vin(11).slice(0, 16)}X,acme,沪A11111\n` + `${vin(12)},nobody,沪A11112\n`;
    const res = await post('/v1/import/vehicles?dryRun=true', csv, { 'content-type': 'text/csv' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ dryRun: true, rows: 3, rowsWithProblems: 2, created: 0 });
    expect(body.problems.map((p: { row: number; field: string }) => [p.row, p.field])).toEqual([[2, 'vin'], [3, 'customerId']]);
    expect((await post('/v1/import/vehicles', csv, { 'content-type': 'text/csv' })).statusCode).toBe(400);
    const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
    expect(await registry.getMany('vehicle', [vin(10)])).toEqual([undefined]);
  });

  it('dry-runs fixed-point assignments and stock the same way', async () => {
    const assignments = await post('/v1/import/assignments?dryRun=true', [{ customerId: 'nobody', region: '310100', stationId: 'none', advisorId: 'none' }]);
    expect(assignments.statusCode, assignments.body).toBe(200);
    expect(assignments.json()).toMatchObject({ kind: 'assignment', dryRun: true, rowsWithProblems: 1 });
    const stock = await post('/v1/import/stock?dryRun=true', [{ kind: 'station', id: 'S1', partNo: 'P-1', qty: 2 }, { kind: 'shed', id: 'S1', partNo: 'P-2', qty: -1 }]);
    expect(stock.statusCode, stock.body).toBe(200);
    expect(stock.json()).toMatchObject({ kind: 'stock', dryRun: true, rowsWithProblems: 1, updated: 1 });
    expect(stock.json().problems.map((p: { row: number; field: string }) => [p.row, p.field])).toEqual([[2, 'kind'], [2, 'qty']]);
  });

  it('refuses an unknown query parameter', async () => {
    expect((await post('/v1/import/vehicles?dry=1', [])).statusCode).toBe(400);
  });
});
