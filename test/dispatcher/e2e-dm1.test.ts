// Acceptance, end to end: a truck's red-stop DM1 over MQTT (published with mosquitto_pub, a client we did
// not write) → the real ingester process → fault-event queue → dispatcher → offered to the least-ETA
// capable, free, open station (checked by brute force) → the station accepts → launched within the window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ETA_MODEL, etaMinutes } from '../../core/eta.ts';
import { staticDropReason } from '../../core/candidates.ts';
import { deviceTopic } from '../../core/topics.ts';
import type { Station } from '../../core/registry.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { mosquittoPub, spawnIngester, stopIngester, tempDir, type IngesterProcess } from '../ingest/support.ts';
import { createRig, type DispatchRig } from './setup.ts';
import { makeCustomer, makeStations, makeVehicles } from './fixtures.ts';

const services = testServices('dispatche2e');
const centre = { lat: 30.27, lon: 120.15 };
const stations: Station[] = makeStations({ count: 80, centre, spreadDeg: 0.5, seed: 51, restrictedHours: 0.3, inactive: 0.1, noEngine: 0.3 });
const [truck] = makeVehicles('e2e', 1, 9000);
let rig: DispatchRig;
let ingester: IngesterProcess | undefined;

beforeAll(async () => {
  rig = await createRig(services, { RESCUE_LAUNCH_WINDOW_S: '900' }, { stations, customers: [makeCustomer('e2e')], vehicles: [truck!] });
  await rig.startDispatcher();
  ingester = spawnIngester(services, { INGEST_CLIENT_ID: `e2e-${services.namespace}`, INGEST_SPOOL_DIR: tempDir('dispatche2e') });
  await waitFor(() => ingester!.output().includes('"subscribed"'), { what: 'ingester subscribed', timeoutMs: 30_000 });
});
afterAll(async () => {
  if (ingester) await stopIngester(ingester, 'SIGKILL');
  await rig?.close();
});

describe('end to end: DM1 over MQTT → rescue launched', () => {
  it('a red-stop DM1 next to a station is offered to the least-ETA eligible station, which accepts', async () => {
    const at = new Date();
    const req = { ...centre, capabilities: ['engine' as const], partsCategories: [], at, excludeStationIds: new Set<string>(), maxDistanceKm: 500 };
    const nextTo = stations.find((s) => staticDropReason(s, req) === undefined)!;
    const point = { lat: nextTo.lat + 0.002, lon: nextTo.lon - 0.002 };
    const best = stations
      .filter((s) => staticDropReason(s, req) === undefined)
      .sort((a, b) => etaMinutes(a, point, DEFAULT_ETA_MODEL) - etaMinutes(b, point, DEFAULT_ETA_MODEL))[0]!;

    const dm1 = {
      ts: Date.now(), seq: 1, ...point,
      lamps: { mil: false, redStop: true, amberWarning: false, protect: false },
      dtcs: [{ spn: 110, fmi: 0, oc: 2 }],
    };
    await mosquittoPub(services, deviceTopic(services.topicRoot, truck!.vin, 'dm1'), [JSON.stringify(dm1)]);

    const offered = await waitFor(async () => {
      const ids = await rig.redis.zrange(rig.keys.vehicleCases(truck!.vin), 0, -1);
      const c = ids[0] ? await rig.store.get(ids[0]) : undefined;
      return c?.status === 'offered' ? c : undefined;
    }, { what: 'case offered', timeoutMs: 30_000 });
    expect(offered.source).toBe('telematics');
    expect(offered.spns).toEqual([110]);
    expect(offered.systems).toEqual(['cooling']);
    expect(offered.offers[0]!.stationId).toBe(best.id);

    const launched = await rig.commands.accept(offered.id, best.id, { vanId: 'van-1' }, { kind: 'station', id: best.id });
    expect(launched.status).toBe('launched');
    expect(Date.parse(launched.launch!.at)).toBeLessThan(Date.parse(launched.launchDeadline));
  });
});
