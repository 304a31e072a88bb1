// MQTT security checks (docs/reliability.md) on a broker configured as in production (deploy/mosquitto/mosquitto.conf):
// password file, ACL, `use_username_as_clientid`. Anonymous and wrong passwords are refused, a truck can
// publish only under its own VIN and read nothing, and no client can take over another's session.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devicePassword } from '../../core/device-credentials.ts';
import { withCheckDigit } from '../../core/vin.ts';
import { startMosquitto, type LocalService } from '../../infra/local-services.ts';
import { waitFor } from '../harness/context.ts';

const KEY = 'broker-security-device-key';
const truckA = withCheckDigit('LSECA000000000001');
const truckB = withCheckDigit('LSECB000000000002');
const ops = { username: 'ops', password: 'security-ops' };
let dir: string;
let broker: LocalService;
const clients: MqttClient[] = [];

async function connect(opts: mqtt.IClientOptions): Promise<MqttClient> {
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  clients.push(client);
  return client;
}

async function refusal(opts: mqtt.IClientOptions): Promise<string> {
  return connect(opts).then(
    () => 'connected',
    (err: Error) => err.message,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-rescue-mqtt-security-'));
  broker = await startMosquitto({
    dir,
    accounts: { ingester: { username: 'ingester-1', password: 'security-ingester' }, ops },
    extraIngesters: [{ username: 'ingester-2', password: 'security-ingester-2' }],
    trucks: [truckA, truckB].map((vin) => ({ username: vin, password: devicePassword(KEY, vin) })),
    clientIdFromUsername: true,
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('broker security', () => {
  it('refuses anonymous clients, unknown users and wrong passwords', async () => {
    expect(await refusal({})).toMatch(/Not authorized|Bad username or password/i);
    expect(await refusal({ username: 'LNOTREG0000000000', password: 'x' })).toMatch(/Not authorized|Bad username or password/i);
    expect(await refusal({ username: truckA, password: devicePassword('another-key', truckA) })).toMatch(/Not authorized|Bad username or password/i);
  });

  it('a truck publishes under its own VIN only, and reads nothing', async () => {
    const watcher = await connect({ username: ops.username, password: ops.password, clientId: 'ops' });
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    await watcher.subscribeAsync('fleet/v1/#', { qos: 1 });

    const a = await connect({ username: truckA, password: devicePassword(KEY, truckA), clientId: truckA, protocolVersion: 5 });
    const aReceived: string[] = [];
    a.on('message', (topic) => aReceived.push(topic));
    // Mosquitto grants the subscription but its ACL withholds every delivery: the truck reads nothing,
    // not even its own subtree.
    await a.subscribeAsync(`fleet/v1/${truckA}/#`, { qos: 1 });
    await watcher.publishAsync(`fleet/v1/${truckA}/command`, 'for A', { qos: 1 });
    await waitFor(() => seen.includes(`fleet/v1/${truckA}/command`), { what: 'the broker to route the ops message' });
    // Publishing as truck B is refused; MQTT 5 reports it in the PUBACK, and nothing is delivered.
    const forged = await a.publishAsync(`fleet/v1/${truckB}/position`, '{"forged":true}', { qos: 1 }).then(
      () => undefined,
      (err: Error & { code?: number }) => err.code,
    );
    expect(forged).toBe(135); // 0x87 Not authorized
    // This round trip on A's connection ends after anything the broker had routed to A before it.
    await a.publishAsync(`fleet/v1/${truckA}/position`, '{"own":true}', { qos: 1 });
    expect(aReceived).toEqual([]);
    await waitFor(() => seen.includes(`fleet/v1/${truckA}/position`), { what: 'the truck’s own message' });
    expect(seen).not.toContain(`fleet/v1/${truckB}/position`);
  });

  it('blocks client-id takeover: B claiming A’s client id does not disconnect A', async () => {
    const a = await connect({ username: truckA, password: devicePassword(KEY, truckA), clientId: truckA, reconnectPeriod: 0 });
    let aClosed = false;
    a.on('close', () => (aClosed = true));
    const b = await connect({ username: truckB, password: devicePassword(KEY, truckB), clientId: truckA });
    // B is connected (under its own VIN: the broker replaced the client id) and A is still connected:
    // a round trip through A's connection succeeds after B's connect.
    expect(b.connected).toBe(true);
    await a.publishAsync(`fleet/v1/${truckA}/position`, '{"still":"here"}', { qos: 1 });
    expect(aClosed).toBe(false);
    expect(a.connected).toBe(true);
  });

  it('each ingester instance has its own account, so two instances never share a session', async () => {
    const one = await connect({ username: 'ingester-1', password: 'security-ingester', clientId: 'ignored-1', clean: false });
    const two = await connect({ username: 'ingester-2', password: 'security-ingester-2', clientId: 'ignored-2', clean: false });
    const [g1] = await one.subscribeAsync('$share/ingest/fleet/v1/+/+', { qos: 1 });
    const [g2] = await two.subscribeAsync('$share/ingest/fleet/v1/+/+', { qos: 1 });
    expect([g1!.qos, g2!.qos]).toEqual([1, 1]);
    expect(one.connected && two.connected).toBe(true);
  });
});
