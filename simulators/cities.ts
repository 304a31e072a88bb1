// City centre points from the echarts@4.9.0 package (map/json/china-cities.json: GB/T 2260 code as the
// feature id, properties.cp = [lon, lat], properties.name), read at run time — the data stays in the
// package, never in this repository. Its maintainers warn the boundaries are not authoritative; we use
// centre points only, for simulation.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CITY_FREIGHT_WEIGHT, DEFAULT_CITY_WEIGHT, REMOTE_CITY_WEIGHT, REMOTE_PROVINCES } from './china-corridors.ts';

export interface City {
  /** GB/T 2260 code of the prefecture (or municipality), usable as a registry region. */
  readonly code: string;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  /** Relative freight weight (see china-corridors.ts). */
  readonly weight: number;
}

const REGION_CODE = /^[1-8][0-9]{3}00$/;
/** Taiwan, Hong Kong and Macau are outside the simulated mainland network. */
const EXCLUDED_PROVINCES = new Set(['71', '81', '82']);

interface EchartsCityFeature {
  id?: unknown;
  properties?: { name?: unknown; cp?: unknown };
}

/** Pure: turns the parsed echarts file into the cities usable as regions, sorted by code. */
export function citiesFromEcharts(json: unknown): City[] {
  const features = (json as { features?: unknown }).features;
  if (!Array.isArray(features)) throw new Error('china-cities.json: no features array');
  const cities: City[] = [];
  for (const feature of features as EchartsCityFeature[]) {
    const code = String(feature.id ?? '');
    const name = feature.properties?.name;
    const cp = feature.properties?.cp;
    // County-level cities directly under a province (e.g. 469001) are not prefecture regions.
    if (!REGION_CODE.test(code) || EXCLUDED_PROVINCES.has(code.slice(0, 2))) continue;
    if (typeof name !== 'string' || !Array.isArray(cp) || typeof cp[0] !== 'number' || typeof cp[1] !== 'number') continue;
    const remote = (REMOTE_PROVINCES as readonly string[]).includes(code.slice(0, 2));
    const weight = CITY_FREIGHT_WEIGHT[name] ?? (remote ? REMOTE_CITY_WEIGHT : DEFAULT_CITY_WEIGHT);
    cities.push({ code, name, lat: cp[1], lon: cp[0], weight });
  }
  return cities.sort((a, b) => a.code.localeCompare(b.code));
}

export function loadChinaCities(): City[] {
  const path = createRequire(import.meta.url).resolve('echarts/map/json/china-cities.json');
  return citiesFromEcharts(JSON.parse(readFileSync(path, 'utf8')));
}
