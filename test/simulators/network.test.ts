import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { AssignmentSchema, REGISTRY_SCHEMAS } from '../../core/registry.ts';
import { isValidVin } from '../../core/vin.ts';
import { loadChinaCities } from '../../simulators/cities.ts';
import { CORRIDORS } from '../../simulators/china-corridors.ts';
import { DEFAULT_NETWORK_OPTIONS, generateNetwork, NETWORK_FILES, serializeNetworkFile } from '../../simulators/network.ts';

const run = promisify(execFile);
const cities = loadChinaCities();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function cli(args: string[]): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'sim-network-'));
  dirs.push(out);
  await run(process.execPath, ['--import', 'tsx', 'simulators/network-cli.ts', ...args, '--out', out]);
  return out;
}

describe('network generator', () => {
  it('same seed → byte-identical files from the CLI; a different seed → different files', async () => {
    const args = ['--stations', '700', '--depots', '20', '--vehicles', '3000'];
    const [a, b, c] = await Promise.all([cli([...args, '--seed', '7']), cli([...args, '--seed', '7']), cli([...args, '--seed', '8'])]);
    for (const [file] of NETWORK_FILES) {
      const bytesA = readFileSync(join(a, file));
      expect(bytesA.length).toBeGreaterThan(10);
      expect(readFileSync(join(b, file)).equals(bytesA), `${file} identical`).toBe(true);
      if (file !== 'customers.json') expect(readFileSync(join(c, file)).equals(bytesA), `${file} differs`).toBe(false);
    }
    const vehicles = JSON.parse(readFileSync(join(a, 'vehicles.json'), 'utf8')) as unknown[];
    expect(vehicles).toHaveLength(3000);
  });

  it('rejects bad options with one clear line', async () => {
    const err = (await run(process.execPath, ['--import', 'tsx', 'simulators/network-cli.ts', '--stations', 'many', '--out', '/tmp/x'])
      .then(() => undefined, (e: { code: number; stderr: string }) => e))!;
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('--stations must be an integer (got "many")');
  });

  const network = generateNetwork(cities, { ...DEFAULT_NETWORK_OPTIONS, seed: 1 });

  it('in-process generation is deterministic and matches the requested counts', () => {
    const again = generateNetwork(cities, { ...DEFAULT_NETWORK_OPTIONS, seed: 1 });
    for (const [, key] of NETWORK_FILES) expect(serializeNetworkFile(again[key])).toBe(serializeNetworkFile(network[key]));
    expect(network.stations).toHaveLength(700);
    expect(network.depots).toHaveLength(20);
    expect(network.customers).toHaveLength(DEFAULT_NETWORK_OPTIONS.customers);
    expect(network.vehicles).toHaveLength(DEFAULT_NETWORK_OPTIONS.vehicles);
  });

  it('every object is valid per the registry schemas', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const check = (schema: object, items: readonly unknown[], what: string) => {
      const validate = ajv.compile(schema);
      for (const item of items) {
        if (!validate(item)) throw new Error(`${what} ${JSON.stringify(item)}: ${ajv.errorsText(validate.errors)}`);
      }
    };
    check(REGISTRY_SCHEMAS.customer, network.customers, 'customer');
    check(REGISTRY_SCHEMAS.vehicle, network.vehicles, 'vehicle');
    check(REGISTRY_SCHEMAS.station, network.stations, 'station');
    check(REGISTRY_SCHEMAS.depot, network.depots, 'depot');
    check(REGISTRY_SCHEMAS.advisor, network.advisors, 'advisor');
    check(AssignmentSchema, network.assignments.flatMap((c) => c.assignments), 'assignment');
  });

  it('VINs are valid and unique; references resolve', () => {
    const vins = network.vehicles.map((v) => v.vin);
    expect(vins.every(isValidVin)).toBe(true);
    expect(new Set(vins).size).toBe(vins.length);
    const customerIds = new Set(network.customers.map((c) => c.id));
    expect(network.vehicles.every((v) => customerIds.has(v.customerId))).toBe(true);
    const advisorIds = new Set(network.advisors.map((a) => a.id));
    expect(network.customers.every((c) => advisorIds.has(c.leadAdvisorId!))).toBe(true);
    expect(new Set(network.stations.map((s) => s.id)).size).toBe(700);
    const sizes = network.customers.map((c) => network.vehicles.filter((v) => v.customerId === c.id).length);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(50);
  });

  it('fixed points are active heavy-duty stations in their region; every customer has some', () => {
    const stations = new Map(network.stations.map((s) => [s.id, s]));
    const advisorIds = new Set(network.advisors.map((a) => a.id));
    for (const { customerId, assignments } of network.assignments) {
      expect(assignments.length, customerId).toBeGreaterThan(3);
      const homeRegions = new Set(network.vehicles.filter((v) => v.customerId === customerId).map((v) => v.homeRegion));
      expect([...homeRegions].filter((r) => assignments.some((a) => a.region === r)).length).toBeGreaterThan(0);
      for (const a of assignments) {
        const station = stations.get(a.stationId)!;
        expect(station.region).toBe(a.region);
        expect(station.active).toBe(true);
        expect(station.capabilities).toContain('heavy-duty');
        expect(advisorIds.has(a.advisorId)).toBe(true);
      }
    }
  });

  it('places stations at real city centres and a 24 h station in every corridor city', () => {
    const byCode = new Map(cities.map((c) => [c.code, c]));
    for (const station of network.stations) {
      const city = byCode.get(station.region)!;
      expect(Math.abs(city.lat - station.lat) + Math.abs(city.lon - station.lon)).toBeLessThan(0.8);
    }
    const beijing = cities.find((c) => c.name === '北京')!;
    expect(beijing.code).toBe('110000');
    expect(beijing.lat).toBeCloseTo(39.9, 0);
    for (const corridor of CORRIDORS) {
      for (const name of corridor.cities) {
        const code = cities.find((c) => c.name === name)!.code;
        expect(network.stations.some((s) => s.region === code && s.hours === '24h'), `${corridor.id} ${name}`).toBe(true);
      }
    }
    // Bigger freight cities get more stations than small ones.
    const count = (name: string) => network.stations.filter((s) => s.region === cities.find((c) => c.name === name)!.code).length;
    expect(count('上海')).toBeGreaterThan(count('嘉峪关'));
  });
});
