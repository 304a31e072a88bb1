import { describe, expect, it } from 'vitest';
import { checkDm1Message, checkPositionMessage } from '../../core/telemetry.ts';
import { loadChinaCities } from '../../simulators/cities.ts';
import { CORRIDORS } from '../../simulators/china-corridors.ts';
import { buildCorridorPath, pointAt } from '../../simulators/corridor-path.ts';
import { RED_STOP_FAULTS } from '../../simulators/faults.ts';
import { planTrucks } from '../../simulators/fleet-plan.ts';
import { distanceKm } from '../../simulators/geo.ts';
import { DEFAULT_NETWORK_OPTIONS, generateNetwork } from '../../simulators/network.ts';
import {
  breakDown, DEFAULT_TRUCK_PARAMS, loseCoverage, nextDueAt, takeMessages,
  type Dm1Payload, type PositionPayload, type TruckParams, type TruckState,
} from '../../simulators/truck.ts';

const cities = loadChinaCities();
const network = generateNetwork(cities, { ...DEFAULT_NETWORK_OPTIONS, vehicles: 400 });
const T0 = Date.UTC(2026, 2, 1, 0, 0, 0);

interface Sent { at: number; channel: 'position' | 'dm1'; payload: PositionPayload | PositionPayload[] | Dm1Payload }

/** Runs trucks over simulated time in steps, as the fleet runtime does, collecting what they send. */
function simulate(trucks: TruckState[], params: TruckParams, hours: number, stepMs = 5000, onStep?: (now: number) => void) {
  const sent = new Map<string, Sent[]>(trucks.map((t) => [t.vin, []]));
  for (let now = T0; now <= T0 + hours * 3_600_000; now += stepMs) {
    onStep?.(now);
    for (const t of trucks) {
      if (nextDueAt(t, params) > now) continue;
      for (const m of takeMessages(t, now, params)) sent.get(t.vin)!.push({ at: now, ...m });
    }
  }
  return sent;
}

const positionsOf = (sent: Sent[]) =>
  sent.filter((s) => s.channel === 'position').flatMap((s) => (Array.isArray(s.payload) ? s.payload : [s.payload as PositionPayload]));

describe('corridor path', () => {
  it('runs through the real city centres in order, densified, with circuity 1.2', () => {
    const g4 = buildCorridorPath(CORRIDORS.find((c) => c.id === 'G4')!, cities);
    const beijing = cities.find((c) => c.name === '北京')!;
    const shenzhen = cities.find((c) => c.name === '深圳')!;
    expect(distanceKm(pointAt(g4, 0, 1), beijing)).toBeLessThan(0.01);
    expect(distanceKm(pointAt(g4, g4.totalKm, 1), shenzhen)).toBeLessThan(0.01);
    // Beijing–Shenzhen is ~1,950 km as the crow flies; via the G4 cities a little more; road ≈ × 1.2.
    expect(g4.totalKm).toBeGreaterThan(1950);
    expect(g4.totalKm).toBeLessThan(2400);
    expect(g4.circuity).toBe(1.2);
    for (let i = 1; i < g4.points.length; i++) expect(distanceKm(g4.points[i - 1]!, g4.points[i]!)).toBeLessThanOrEqual(5.1);
    // Heading southbound out of Beijing is roughly south-west (towards Baoding).
    const heading = pointAt(g4, 10, 1).heading;
    expect(heading).toBeGreaterThan(180);
    expect(heading).toBeLessThan(260);
  });
});

describe('truck model', () => {
  const params: TruckParams = { ...DEFAULT_TRUCK_PARAMS, redStopPerDay: 0.3, amberPerDay: 1, gapsPerDay: 6 };
  const trucks = planTrucks(network.vehicles.slice(0, 40), cities, { seed: 3, params, now: T0 });
  const sent = simulate(trucks, params, 48);

  it('reports every interval with contract-valid payloads, seq strictly increasing, odometer/engine hours monotonic', () => {
    // Violations are collected and asserted once: an expect() per sample would make this test slow.
    const violations: string[] = [];
    const fail = (vin: string, what: string, value: unknown) => {
      if (violations.length < 20) violations.push(`${vin}: ${what} ${JSON.stringify(value)}`);
    };
    let drivingSamples = 0;
    for (const [vin, messages] of sent) {
      const positions = positionsOf(messages);
      // 48 h at one report per 30 s, minus at most the positions still buffered in a gap at the end.
      const truck = trucks.find((t) => t.vin === vin)!;
      if (positions.length + truck.buffer.length < 48 * 120 - 1) fail(vin, 'too few reports', positions.length);
      for (const m of messages) {
        if (m.channel === 'position') {
          const check = checkPositionMessage(m.payload, m.at);
          if (!check.ok || !check.value.every((r) => r.ok)) fail(vin, 'position contract', check);
        } else {
          const check = checkDm1Message(m.payload, m.at);
          if (!check.ok) fail(vin, 'dm1 contract', check);
        }
      }
      let previous: PositionPayload | undefined;
      for (const p of positions) {
        if (!(p.speedKmh >= 0 && p.speedKmh <= 90)) fail(vin, 'speed', p);
        if (!(p.fuelPct > 0 && p.fuelPct <= 100)) fail(vin, 'fuel', p);
        if (p.speedKmh > 0) {
          drivingSamples++;
          if (p.speedKmh < 60 || !p.ignition) fail(vin, 'driving sample', p);
        }
        if (previous) {
          const dtH = (p.ts - previous.ts) / 3_600_000;
          const odo = p.odometerKm - previous.odometerKm;
          if (p.ts <= previous.ts || p.seq <= previous.seq) fail(vin, 'ts/seq order', [previous, p]);
          if (odo < 0 || odo > 90 * dtH + 0.2) fail(vin, 'odometer step', [previous, p]);
          if (p.engineHours < previous.engineHours) fail(vin, 'engine hours', [previous, p]);
          // The straight-line move never exceeds the road distance driven (odometers are rounded to 0.1 km).
          if (distanceKm(previous, p) > odo + 0.12) fail(vin, 'moved further than driven', [previous, p]);
        }
        previous = p;
      }
    }
    expect(violations).toEqual([]);
    expect(drivingSamples).toBeGreaterThan(40 * 48 * 120 * 0.25);
  });

  it('drives, stops, takes breaks and rests with consistent fuel use', () => {
    const seen = new Set<string>();
    const probe = planTrucks(network.vehicles.slice(40, 60), cities, { seed: 3, params, now: T0 });
    simulate(probe, params, 30, 60_000, () => probe.forEach((t) => seen.add(t.phase)));
    expect([...seen].sort()).toEqual(expect.arrayContaining(['break', 'driving', 'loading', 'rest', 'stopped']));
    // 32 l/100 km from a 600 l tank: 1,000 km cost ≈ 53 % of the tank (refuelling only raises it).
    const start = planTrucks(network.vehicles.slice(0, 1), cities, { seed: 9, params: { ...params, redStopPerDay: 0, gapsPerDay: 0 }, now: T0 })[0]!;
    start.fuelPct = 90; // well above the refuelling threshold
    const odo0 = start.odometerKm;
    const hours0 = start.engineHours;
    simulate([start], { ...params, redStopPerDay: 0, gapsPerDay: 0 }, 2, 30_000);
    const km = start.odometerKm - odo0;
    const drivingPct = ((km * 0.32) / 600) * 100;
    expect(km).toBeGreaterThan(20);
    expect(90 - start.fuelPct).toBeGreaterThanOrEqual(drivingPct - 1e-9);
    expect(90 - start.fuelPct).toBeLessThanOrEqual(drivingPct + 1.1); // + idling at ≤ 3 l/h
    expect(start.engineHours - hours0).toBeLessThanOrEqual(2 + 1e-9);
  });

  it('uploads positions buffered in a coverage gap as ordered batches of ≤ 1,000', () => {
    const batches = [...sent.values()].flat().filter((s) => s.channel === 'position' && Array.isArray(s.payload));
    expect(batches.length).toBeGreaterThan(10);
    for (const b of batches) {
      const batch = b.payload as PositionPayload[];
      expect(batch.length).toBeGreaterThan(1);
      expect(batch.length).toBeLessThanOrEqual(1000);
      for (let i = 1; i < batch.length; i++) expect(batch[i]!.ts).toBeGreaterThan(batch[i - 1]!.ts);
      expect(b.at - batch[0]!.ts).toBeGreaterThanOrEqual(30_000);
    }
    // A long gap (12 h = 1,440 reports) arrives as two batches, 1,000 + the rest.
    const params2 = { ...params, gapsPerDay: 0, redStopPerDay: 0, amberPerDay: 0 };
    const [truck] = planTrucks(network.vehicles.slice(0, 1), cities, { seed: 5, params: params2, now: T0 });
    const out = simulate([truck!], params2, 13, 5000, (now) => {
      if (now === T0 + 600_000) loseCoverage(truck!, 12 * 3600);
    }).get(truck!.vin)!;
    const arrays = out.filter((s) => Array.isArray(s.payload)).map((s) => (s.payload as PositionPayload[]).length);
    expect(arrays[0]).toBe(1000);
    expect(arrays.length).toBe(2);
    expect(arrays[0]! + arrays[1]!).toBeGreaterThanOrEqual(12 * 120);
  });

  it('a red-stop breakdown stops the truck, repeats DM1 while broken and clears after repair', () => {
    const params3 = { ...params, gapsPerDay: 0, redStopPerDay: 0, amberPerDay: 0, repairMedianS: 3600 };
    const [truck] = planTrucks(network.vehicles.slice(5, 6), cities, { seed: 1, params: params3, now: T0 });
    let brokeAt = 0;
    const out = simulate([truck!], params3, 12, 5000, (now) => {
      if (!brokeAt && truck!.phase === 'driving' && now > T0 + 3_600_000) {
        breakDown(truck!, params3);
        brokeAt = now;
      }
    }).get(truck!.vin)!;
    const dm1s = out.filter((s) => s.channel === 'dm1').map((s) => s.payload as Dm1Payload);
    const red = dm1s.filter((d) => d.lamps.redStop);
    expect(red.length).toBeGreaterThan(3);
    expect(RED_STOP_FAULTS.some((f) => f.spn === red[0]!.dtcs[0]!.spn && f.fmi === red[0]!.dtcs[0]!.fmi)).toBe(true);
    expect(red[0]!.ts - brokeAt).toBeLessThanOrEqual(5000);
    for (let i = 1; i < red.length; i++) expect(red[i]!.ts - red[i - 1]!.ts).toBeGreaterThanOrEqual(60_000);
    const cleared = dm1s.find((d) => d.ts > red[red.length - 1]!.ts);
    expect(cleared).toMatchObject({ dtcs: [], lamps: { redStop: false } });
    const whileBroken = positionsOf(out).filter((p) => p.ts > red[0]!.ts && p.ts < cleared!.ts);
    expect(whileBroken.length).toBeGreaterThan(10);
    expect(new Set(whileBroken.map((p) => `${p.lat},${p.lon}`)).size).toBe(1);
    expect(whileBroken.every((p) => p.speedKmh === 0 && p.ignition)).toBe(true);
    // After the repair it drives on.
    expect(positionsOf(out).some((p) => p.ts > cleared!.ts && p.speedKmh > 0)).toBe(true);
  });

  it('is deterministic: same seed → the same messages', () => {
    const a = planTrucks(network.vehicles.slice(0, 5), cities, { seed: 11, params, now: T0 });
    const b = planTrucks(network.vehicles.slice(0, 5), cities, { seed: 11, params, now: T0 });
    const c = planTrucks(network.vehicles.slice(0, 5), cities, { seed: 12, params, now: T0 });
    const run = (ts: TruckState[]) => JSON.stringify([...simulate(ts, params, 6).values()]);
    const ra = run(a);
    expect(run(b)).toBe(ra);
    expect(run(c)).not.toBe(ra);
  });
});
