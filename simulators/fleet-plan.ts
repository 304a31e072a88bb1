// Which trucks the fleet simulator runs and where: pure and deterministic. Each truck's random stream is
// derived from (seed, VIN), so a truck behaves the same whichever other trucks run with it.
import type { Vehicle } from '../core/registry.ts';
import { devicePassword } from '../core/device-credentials.ts';
import type { City } from './cities.ts';
import { CORRIDORS } from './china-corridors.ts';
import { buildCorridorPath, type CorridorPath } from './corridor-path.ts';
import { distanceKm } from './geo.ts';
import { createRandom } from '../core/prng.ts';
import { createTruck, type TruckParams, type TruckState } from './truck.ts';

/** FNV-1a 32-bit hash of a string (stable across platforms). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A deterministic choice of `count` vehicles spread over all customers (seeded sample). */
export function selectFleet(vehicles: readonly Vehicle[], count: number, seed: number): Vehicle[] {
  if (count > vehicles.length) throw new Error(`asked for ${count} trucks but the network has only ${vehicles.length} vehicles`);
  const active = vehicles.filter((v) => v.active);
  if (count > active.length) throw new Error(`asked for ${count} trucks but only ${active.length} vehicles are active`);
  return createRandom(seed ^ 0x5eed5eed).sample(active, count);
}

/** Broker accounts of the simulated trucks (username = VIN, password derived from DEVICE_KEY). */
export function fleetAccounts(deviceKey: string, vehicles: readonly Pick<Vehicle, 'vin'>[]): Array<{ username: string; password: string }> {
  return vehicles.map((v) => ({ username: v.vin, password: devicePassword(deviceKey, v.vin) }));
}

export function corridorPaths(cities: readonly City[]): CorridorPath[] {
  return CORRIDORS.map((c) => buildCorridorPath(c, cities));
}

/** The corridors a vehicle's home city lies on, or the nearest corridor when it lies on none. */
function corridorsForHome(paths: readonly CorridorPath[], cities: readonly City[], homeRegion: string | undefined): CorridorPath[] {
  const through = paths.filter((p) => homeRegion !== undefined && p.cityCodes.includes(homeRegion));
  if (through.length > 0) return through;
  const home = cities.find((c) => c.code === homeRegion);
  if (!home) return [...paths];
  const byCode = new Map(cities.map((c) => [c.code, c]));
  let best = paths[0]!;
  let bestKm = Infinity;
  for (const path of paths) {
    for (const code of path.cityCodes) {
      const km = distanceKm(home, byCode.get(code)!);
      if (km < bestKm) [best, bestKm] = [path, km];
    }
  }
  return [best];
}

export function planTrucks(
  vehicles: readonly Vehicle[], cities: readonly City[], opts: { seed: number; params: TruckParams; now: number },
): TruckState[] {
  const paths = corridorPaths(cities);
  return vehicles.map((vehicle) => {
    const rng = createRandom(hash32(`${opts.seed}:${vehicle.vin}`));
    const path = rng.pick(corridorsForHome(paths, cities, vehicle.homeRegion));
    return createTruck(vehicle.vin, path, rng, opts.params, opts.now);
  });
}
