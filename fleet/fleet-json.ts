// The JSON of a fleet page, written by hand as UTF-8 bytes: each truck's JSON is encoded once while its
// object lives (the fleet service replaces the object when the truck changes) and a page is one copy of
// those buffers. Joining 10,000 strings into one (two-byte, because of the plates' Chinese characters) and
// encoding it per request cost 3–4× more CPU, and that was most of the route's time. The shape is fixed:
// api/routes/fleet.ts documents it as the response schema.
import type { FleetPage, FleetTruck } from './fleet-service.ts';

const str = JSON.stringify;

/** The UTF-8 JSON of each truck object, kept while the fleet service reuses the object. */
const memo = new WeakMap<FleetTruck, Buffer>();

function truckJson(t: FleetTruck): Buffer {
  let json = memo.get(t);
  if (json === undefined) {
    json = Buffer.from(writeTruck(t));
    memo.set(t, json);
  }
  return json;
}

const COMMA = Buffer.from(',');

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

/** The page as the body of the answer (UTF-8 JSON). */
export function fleetPageJson(page: FleetPage): Buffer {
  const parts: Buffer[] = [Buffer.from('{"items":[')];
  let length = parts[0]!.length;
  page.items.forEach((t, i) => {
    if (i > 0) {
      parts.push(COMMA);
      length += 1;
    }
    const json = truckJson(t);
    parts.push(json);
    length += json.length;
  });
  let tail = `],"nextCursor":${str(page.nextCursor)},"total":${page.total}`;
  if (page.openCases) tail += `,"openCases":${str(page.openCases)}`;
  if (page.customers) tail += `,"customers":${str(page.customers)}`;
  const end = Buffer.from(`${tail}}`);
  parts.push(end);
  return Buffer.concat(parts, length + end.length);
}
