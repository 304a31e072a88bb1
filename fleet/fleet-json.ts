// The JSON of a fleet page, written by hand: ten thousand small objects serialize several times faster as
// one joined string than through a generic serializer, and the shape is fixed (api/routes/fleet.ts
// documents it as the response schema).
import type { FleetPage, FleetTruck } from './fleet-service.ts';

const str = JSON.stringify;

/** The JSON of each truck object, kept while the fleet service reuses the object (its live table). */
const memo = new WeakMap<FleetTruck, string>();

function truckJson(t: FleetTruck): string {
  let json = memo.get(t);
  if (json === undefined) {
    json = writeTruck(t);
    memo.set(t, json);
  }
  return json;
}

function writeTruck(t: FleetTruck): string {
  let out = `{"vin":${str(t.vin)}`;
  if (t.plate !== undefined) out += `,"plate":${str(t.plate)}`;
  out += `,"customerId":${str(t.customerId)}`;
  if (t.lat !== undefined) out += `,"lat":${t.lat}`;
  if (t.lon !== undefined) out += `,"lon":${t.lon}`;
  if (t.speed !== undefined) out += `,"speed":${t.speed}`;
  if (t.heading !== undefined) out += `,"heading":${t.heading}`;
  if (t.status !== undefined) out += `,"status":${str(t.status)}`;
  out += `,"severity":${str(t.severity)}`;
  if (t.lastSeen !== undefined) out += `,"lastSeen":${t.lastSeen}`;
  if (t.ts !== undefined) out += `,"ts":${t.ts}`;
  return `${out}}`;
}

export function fleetPageJson(page: FleetPage): string {
  const parts = [`{"items":[${page.items.map(truckJson).join(',')}]`, `"nextCursor":${str(page.nextCursor)}`, `"total":${page.total}`];
  if (page.openCases) parts.push(`"openCases":${str(page.openCases)}`);
  if (page.customers) parts.push(`"customers":${str(page.customers)}`);
  return `${parts.join(',')}}`;
}
