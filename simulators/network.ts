// Network generator (pure): stations, parts depots, advisors, customers, their vehicles and the
// fixed-point assignments, as the registry objects of core/registry.ts. Same seed and options →
// the same objects in the same order, so the files written by network-cli.ts are byte-identical.
import {
  CAPABILITIES, PARTS_CATEGORIES,
  type Advisor, type Assignment, type Capability, type Customer, type Depot, type PartsCategory, type Station, type Vehicle,
} from '../core/registry.ts';
import { withCheckDigit } from '../core/vin.ts';
import type { City } from './cities.ts';
import { CORRIDORS, type Corridor } from './china-corridors.ts';
import { destination, distanceKm, round } from './geo.ts';
import { createRandom, type Random } from '../core/prng.ts';

export interface NetworkOptions {
  readonly seed: number;
  readonly stations: number;
  readonly depots: number;
  readonly customers: number;
  /** Total vehicles over all customers (each customer gets at least 1). */
  readonly vehicles: number;
  readonly advisors: number;
  /** Time stamped on generated assignments (fixed so that output does not depend on the clock). */
  readonly assignedAt: string;
}

export const DEFAULT_NETWORK_OPTIONS: NetworkOptions = {
  seed: 1, stations: 700, depots: 20, customers: 8, vehicles: 10_000, advisors: 30, assignedAt: '2026-01-01T00:00:00.000Z',
};

export interface CustomerAssignments {
  readonly customerId: string;
  readonly assignments: Assignment[];
}

export interface Network {
  customers: Customer[];
  vehicles: Vehicle[];
  stations: Station[];
  depots: Depot[];
  advisors: Advisor[];
  /** Per customer: one fixed-point station (heavy-duty, active, in the region) + advisor per region it runs in. */
  assignments: CustomerAssignments[];
}

/**
 * The network files and the key of each in `Network`, in import order (references first: a customer
 * names its lead advisor, a vehicle its customer, an assignment a station and an advisor).
 */
export const NETWORK_FILES = [
  ['advisors.json', 'advisors'], ['stations.json', 'stations'], ['depots.json', 'depots'],
  ['customers.json', 'customers'], ['vehicles.json', 'vehicles'], ['assignments.json', 'assignments'],
] as const satisfies ReadonlyArray<readonly [string, keyof Network]>;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Cities on at least one trunk corridor, in corridor order (first occurrence). */
export function corridorCities(cities: readonly City[]): City[] {
  const byName = new Map(cities.map((c) => [c.name, c]));
  const seen = new Set<string>();
  const result: City[] = [];
  for (const corridor of CORRIDORS) {
    for (const name of corridor.cities) {
      const city = byName.get(name);
      if (!city) throw new Error(`corridor ${corridor.id}: city ${name} not in the city list`);
      if (!seen.has(city.code)) {
        seen.add(city.code);
        result.push(city);
      }
    }
  }
  return result;
}

/** Corridors that pass through a city (by code). */
export function corridorsThrough(cities: readonly City[], code: string): Corridor[] {
  const name = cities.find((c) => c.code === code)?.name;
  return name === undefined ? [] : CORRIDORS.filter((corridor) => corridor.cities.includes(name));
}

function subset<T>(rng: Random, all: readonly T[], pIncluded: number, mustHave: readonly T[] = []): T[] {
  return all.filter((item) => mustHave.includes(item) || rng.chance(pIncluded));
}

const OPENING_HOURS = ['08:00-20:00', '07:30-21:30', '08:00-18:00', '06:00-22:00', '07:00-23:00'] as const;
function phoneFor(rng: Random, city: City): string {
  // Made-up numbers: +86, three digits from the region code, then eight random digits.
  return `+86 ${city.code.slice(0, 3)} ${rng.int(2000, 8999)} ${pad(rng.int(0, 9999), 4)}`;
}

function jitterAround(rng: Random, city: City, meanKm: number, maxKm: number): { lat: number; lon: number } {
  const km = Math.min(maxKm, 1 + rng.exponential(meanKm));
  const point = destination(city, rng.range(0, 360), km);
  return { lat: round(point.lat, 6), lon: round(point.lon, 6) };
}

function generateStations(rng: Random, cities: readonly City[], count: number): Station[] {
  const trunk = corridorCities(cities);
  const trunkCodes = new Set(trunk.map((c) => c.code));
  // One 24 h heavy-duty station per corridor city first (as far as the count allows), heaviest first.
  const guaranteed = [...trunk].sort((a, b) => b.weight - a.weight || a.code.localeCompare(b.code)).slice(0, count);
  const weights = cities.map((c) => c.weight * (trunkCodes.has(c.code) ? 1.5 : 1));
  const placements: Array<{ city: City; trunkAnchor: boolean }> = guaranteed.map((city) => ({ city, trunkAnchor: true }));
  while (placements.length < count) placements.push({ city: cities[rng.weightedIndex(weights)]!, trunkAnchor: false });

  const perCity = new Map<string, number>();
  return placements.map(({ city, trunkAnchor }, i) => {
    const n = (perCity.get(city.code) ?? 0) + 1;
    perCity.set(city.code, n);
    const onTrunk = trunkCodes.has(city.code);
    const hours = trunkAnchor || (onTrunk ? rng.chance(0.45) : rng.chance(0.15)) ? '24h' : rng.pick(OPENING_HOURS);
    const heavyDuty = trunkAnchor || rng.chance(0.8);
    const capabilities = subset<Capability>(rng, CAPABILITIES, 0.55, heavyDuty ? ['heavy-duty', 'engine'] : ['tyre']);
    const vans = Math.max(1, Math.min(12, Math.round(rng.logNormal(1.5 + city.weight / 10, 0.45))));
    const partsCategories = subset<PartsCategory>(rng, PARTS_CATEGORIES, 0.5, ['filters', 'lubricants']);
    return {
      id: `ST${pad(i + 1, 4)}`,
      name: `${city.name}重卡服务站${n}号`,
      ...jitterAround(rng, city, 6, 30),
      region: city.code,
      address: `${city.name}市 物流园区 ${rng.int(1, 300)}号`,
      phone: phoneFor(rng, city),
      hours,
      capabilities,
      vans,
      rating: round(rng.range(3, 5), 1),
      partsCategories,
      mobilisationMin: rng.int(8, 25),
      // A few inactive stations exist in every real network; never the trunk anchors.
      active: trunkAnchor || !rng.chance(0.02),
    } satisfies Station;
  });
}

function generateDepots(rng: Random, cities: readonly City[], count: number): Depot[] {
  const hubs = [...cities].sort((a, b) => b.weight - a.weight || a.code.localeCompare(b.code)).slice(0, count);
  return hubs.map((city, i) => ({
    id: `DP${pad(i + 1, 3)}`,
    name: `${city.name}配件中心库`,
    ...jitterAround(rng, city, 10, 35),
    region: city.code,
    partsCategories: subset<PartsCategory>(rng, PARTS_CATEGORIES, 0.85, ['engine', 'filters', 'lubricants']),
    active: true,
  }));
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '军', '洋', '勇', '艳', '杰', '涛', '明', '超', '秀英', '建华', '志强', '海燕', '晓东'];

function generateAdvisors(rng: Random, cities: readonly City[], count: number): Advisor[] {
  const seats = [...cities].sort((a, b) => b.weight - a.weight || a.code.localeCompare(b.code)).slice(0, count);
  return seats.map((city, i) => ({
    id: `AD${pad(i + 1, 3)}`,
    name: rng.pick(SURNAMES) + rng.pick(GIVEN),
    phone: `+86 1${rng.int(30, 89)} ${pad(rng.int(0, 9999), 4)} ${pad(rng.int(0, 9999), 4)}`,
    email: `advisor-${pad(i + 1, 3)}@service.example.com`,
    region: city.code,
    active: true,
  }));
}

const CUSTOMER_NAMES = [
  '华北干线物流', '长江冷链运输', '东方快运集团', '西部能源运输', '珠江港口集装箱', '中原煤炭物流', '海峡快递干线',
  '北疆国际货运', '江南危化品运输', '齐鲁钢铁物流', '巴蜀快运', '东北粮食运输',
];
const TRUCK_MODELS = ['6x4 tractor 460 hp', '6x4 tractor 560 hp', '4x2 tractor 430 hp', '8x4 dump 400 hp', '6x2 rigid 350 hp', '4x2 LNG tractor 480 hp'];
/** Model-year character of VIN position 10 (ISO 3779 cycle): 2019 = K … 2025 = S. */
const MODEL_YEAR_CODES: ReadonlyArray<readonly [number, string]> = [[2019, 'K'], [2020, 'L'], [2021, 'M'], [2022, 'N'], [2023, 'P'], [2024, 'R'], [2025, 'S']];
const PLATE_PROVINCE: Readonly<Record<string, string>> = {
  11: '京', 12: '津', 13: '冀', 14: '晋', 15: '蒙', 21: '辽', 22: '吉', 23: '黑', 31: '沪', 32: '苏', 33: '浙', 34: '皖', 35: '闽',
  36: '赣', 37: '鲁', 41: '豫', 42: '鄂', 43: '湘', 44: '粤', 45: '桂', 46: '琼', 50: '渝', 51: '川', 52: '贵', 53: '云', 54: '藏',
  61: '陕', 62: '甘', 63: '青', 64: '宁', 65: '新',
};
const PLATE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

/** Splits `total` into `parts` sizes drawn log-uniformly between 100 and 5,000, scaled to the total. */
function fleetSizes(rng: Random, parts: number, total: number): number[] {
  const raw = Array.from({ length: parts }, () => Math.exp(rng.range(Math.log(100), Math.log(5000))));
  const sum = raw.reduce((a, b) => a + b, 0);
  const sizes = raw.map((r) => Math.max(1, Math.floor((r / sum) * total)));
  let rest = total - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % parts, rest--) sizes[i]!++;
  for (let i = 0; rest < 0; i = (i + 1) % parts) if (sizes[i]! > 1) { sizes[i]!--; rest++; }
  return sizes;
}

function nearestAdvisor(advisors: readonly Advisor[], cityByCode: ReadonlyMap<string, City>, target: City): Advisor {
  let best = advisors[0]!;
  let bestKm = Infinity;
  for (const advisor of advisors) {
    const seat = cityByCode.get(advisor.region ?? '');
    const km = seat ? distanceKm(seat, target) : Infinity;
    if (km < bestKm) [best, bestKm] = [advisor, km];
  }
  return best;
}

export function generateNetwork(cities: readonly City[], options: NetworkOptions): Network {
  if (cities.length === 0) throw new Error('no cities');
  for (const [name, value, min] of [
    ['stations', options.stations, 1], ['depots', options.depots, 0], ['customers', options.customers, 1],
    ['vehicles', options.vehicles, options.customers], ['advisors', options.advisors, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min} (got ${value})`);
  }
  if (options.depots > cities.length || options.advisors > cities.length) throw new Error(`at most ${cities.length} depots / advisors`);
  if (options.vehicles > 999_999) throw new Error('at most 999,999 vehicles (VIN serial numbers)');

  // Independent streams per part, so that e.g. changing the vehicle count leaves the stations alone.
  const root = createRandom(options.seed);
  const streams = { stations: root.fork(), depots: root.fork(), advisors: root.fork(), customers: root.fork() };
  const cityByCode = new Map(cities.map((c) => [c.code, c]));

  const stations = generateStations(streams.stations, cities, options.stations);
  const depots = generateDepots(streams.depots, cities, options.depots);
  const advisors = generateAdvisors(streams.advisors, cities, options.advisors);

  const rng = streams.customers;
  const trunk = corridorCities(cities);
  const homeCandidates = [...trunk].sort((a, b) => b.weight - a.weight || a.code.localeCompare(b.code)).slice(0, Math.max(options.customers, 30));
  const homes = rng.sample(homeCandidates, options.customers);
  const sizes = fleetSizes(rng, options.customers, options.vehicles);
  const customers: Customer[] = [];
  const vehicles: Vehicle[] = [];
  const assignments: CustomerAssignments[] = [];
  let serial = 0;

  homes.forEach((home, ci) => {
    const id = `CU${pad(ci + 1, 3)}`;
    const lead = nearestAdvisor(advisors, cityByCode, home);
    customers.push({
      id,
      name: CUSTOMER_NAMES[ci % CUSTOMER_NAMES.length]! + (ci >= CUSTOMER_NAMES.length ? ` ${Math.floor(ci / CUSTOMER_NAMES.length) + 1}` : ''),
      contactName: rng.pick(SURNAMES) + rng.pick(GIVEN),
      contactPhone: `+86 1${rng.int(30, 89)} ${pad(rng.int(0, 9999), 4)} ${pad(rng.int(0, 9999), 4)}`,
      contactEmail: `dispatch@${id.toLowerCase()}.example.com`,
      leadAdvisorId: lead.id,
      active: true,
    });
    // Where the customer runs: the corridors through its home city (every home is a corridor city).
    const runs = corridorsThrough(cities, home.code);
    const runCities = [...new Set(runs.flatMap((c) => c.cities))].map((name) => cities.find((c) => c.name === name)!);
    for (let v = 0; v < sizes[ci]!; v++) {
      serial++;
      const homeCity = rng.chance(0.6) ? home : rng.pick(runCities);
      const [year, yearCode] = rng.pick(MODEL_YEAR_CODES);
      const vds = `${rng.pick(['CA4', 'CA5', 'DH6', 'ZZ4'])}${rng.pick(['D', 'G', 'L'])}${rng.int(1, 9)}`;
      const vin = withCheckDigit(`LFR${vds}0${yearCode}${rng.pick(['A', 'B', 'C'])}${pad(serial, 6)}`);
      vehicles.push({
        vin,
        customerId: id,
        plate: `${PLATE_PROVINCE[homeCity.code.slice(0, 2)] ?? '京'}${rng.pick([...PLATE_LETTERS])}${pad(rng.int(0, 99999), 5)}`,
        model: rng.pick(TRUCK_MODELS),
        inServiceDate: `${year}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}`,
        homeRegion: homeCity.code,
        active: true,
      });
    }
    const customerAssignments: Assignment[] = [];
    for (const city of [...runCities].sort((a, b) => a.code.localeCompare(b.code))) {
      const candidates = stations
        .filter((s) => s.region === city.code && s.active && s.capabilities.includes('heavy-duty'))
        .sort((a, b) => b.rating - a.rating || a.id.localeCompare(b.id));
      if (candidates.length === 0) continue;
      customerAssignments.push({
        region: city.code,
        stationId: candidates[0]!.id,
        advisorId: nearestAdvisor(advisors, cityByCode, city).id,
        assignedAt: options.assignedAt,
        assignedBy: 'simulate:network',
        reason: 'highest-rated active heavy-duty station in the region',
      });
    }
    assignments.push({ customerId: id, assignments: customerAssignments });
  });

  return { customers, vehicles, stations, depots, advisors, assignments };
}

/** The exact bytes written for one network file. */
export function serializeNetworkFile(items: readonly unknown[]): string {
  return JSON.stringify(items, null, 2) + '\n';
}
