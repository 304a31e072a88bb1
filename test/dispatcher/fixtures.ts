// Deterministic service networks and fleets for dispatcher tests and the benchmark.
import { withCheckDigit } from '../../core/vin.ts';
import { createRandom } from '../../core/prng.ts';
import { CAPABILITIES, type Capability, type Customer, type Station, type Vehicle } from '../../core/registry.ts';
import type { FaultEvent } from '../../core/queues.ts';

/** Seeded PRNG (the simulators' mulberry32) so every run builds the same network. */
export function seededRandom(seed: number): () => number {
  const random = createRandom(seed);
  return () => random.next();
}

export interface NetworkSpec {
  count: number;
  /** Centre and half-size (degrees) of the square the stations are spread over. */
  centre: { lat: number; lon: number };
  spreadDeg: number;
  seed: number;
  /** Share of stations with restricted hours, inactive, and missing the engine capability. */
  restrictedHours?: number;
  inactive?: number;
  noEngine?: number;
  vans?: [number, number];
}

export function makeStations(spec: NetworkSpec): Station[] {
  const rnd = seededRandom(spec.seed);
  const stations: Station[] = [];
  for (let i = 0; i < spec.count; i++) {
    const caps = new Set<Capability>(['heavy-duty']);
    for (const c of CAPABILITIES) if (rnd() < 0.6) caps.add(c);
    if (rnd() >= (spec.noEngine ?? 0.2)) caps.add('engine');
    else caps.delete('engine');
    const [minVans, maxVans] = spec.vans ?? [1, 4];
    stations.push({
      id: `st-${spec.seed}-${i}`,
      name: `Station ${i}`,
      lat: spec.centre.lat + (rnd() * 2 - 1) * spec.spreadDeg,
      lon: spec.centre.lon + (rnd() * 2 - 1) * spec.spreadDeg,
      region: '310100',
      hours: rnd() < (spec.restrictedHours ?? 0.2) ? (rnd() < 0.5 ? '08:00-20:00' : '20:00-06:00') : '24h',
      capabilities: [...caps],
      vans: minVans + Math.floor(rnd() * (maxVans - minVans + 1)),
      rating: Math.round(rnd() * 50) / 10,
      partsCategories: rnd() < 0.7 ? ['engine', 'lubricants', 'cooling', 'fuel'] : ['tyre'],
      mobilisationMin: 5 + Math.floor(rnd() * 26),
      active: rnd() >= (spec.inactive ?? 0.05),
    });
  }
  return stations;
}

export function makeVin(n: number): string {
  // WMI "LFW" (a Chinese truck maker prefix), then digits; position 9 becomes the check digit.
  const serial = String(n).padStart(8, '0');
  return withCheckDigit(`LFWSCUJ50${serial}`);
}

export function makeCustomer(id: string, extra: Partial<Customer> = {}): Customer {
  return { id, name: `Customer ${id}`, active: true, ...extra };
}

export function makeVehicles(customerId: string, count: number, offset = 0): Vehicle[] {
  return Array.from({ length: count }, (_, i) => ({ vin: makeVin(offset + i), customerId, active: true }));
}

export function redStopEvent(vin: string, customerId: string, at: { lat: number; lon: number }, opts: { id?: string; spn?: number; ts?: number } = {}): FaultEvent {
  const ts = opts.ts ?? Date.now();
  const dtc = { spn: opts.spn ?? 100, fmi: 1, oc: 1 };
  return {
    id: opts.id ?? `${vin}-${ts}`,
    vin,
    customerId,
    ts,
    receivedAt: ts,
    lat: at.lat,
    lon: at.lon,
    lamps: { mil: false, redStop: true, amberWarning: false, protect: false },
    severity: 'critical',
    active: [dtc],
    added: [dtc],
    cleared: [],
  };
}
