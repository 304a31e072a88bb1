// The gateway's broker account (infra/mosquitto-auth.ts): it may publish the device channels of any VIN and
// nothing else, and read nothing; no other account may write the gateway's status (`{root}/gateway/…`), not even a
// truck account that happens to be named `gateway`. Checked on private Mosquittos with the production ACL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayStatusTopic } from '../../core/topics.ts';
import { startMosquitto } from '../../infra/local-services.ts';
import { testAccounts } from '../harness/accounts.ts';
import { waitFor } from '../harness/context.ts';
import { testVin } from '../ingest/support.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-acl-'));
const gatewayAccount = { username: 'gateway', password: 'test-gateway-password' };
/** A truck-rule account named `gateway` (e.g. a password line kept after the gateway account was dropped from the ACL). */
const truckNamedGateway = { username: 'gateway', password: 'test-truck-password' };
let broker: Awaited<ReturnType<typeof startMosquitto>>;
/** A broker where `gateway` is not a gateway account: only the trucks' rule applies to it. */
let trucksOnly: Awaited<ReturnType<typeof startMosquitto>>;
const clients: MqttClient[] = [];

beforeAll(async () => {
  [broker, trucksOnly] = await Promise.all([
    startMosquitto({ dir: join(dir, 'gateway'), accounts: testAccounts, gateways: [gatewayAccount], clientIdFromUsername: true }),
    startMosquitto({ dir: join(dir, 'trucks'), accounts: testAccounts, trucks: [truckNamedGateway], clientIdFromUsername: true }),
  ]);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync()));
  await Promise.all([broker?.stop(), trucksOnly?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function client(account: { username: string; password: string }, on = broker): Promise<MqttClient> {
  const c = await mqtt.connectAsync(on.url, { ...account, clean: true, reconnectPeriod: 0, log: () => undefined });
  clients.push(c);
  return c;
}

describe('gateway broker account', () => {
  it('publishes position, dm1, status and alarm for any VIN and its own status, and nothing else', async () => {
    const ops = await client(testAccounts.ops);
    const seen: string[] = [];
    ops.on('message', (topic) => seen.push(topic));
    await ops.subscribeAsync('#', { qos: 1 });
    const gateway = await client(gatewayAccount);
    const [a, b] = [testVin(1690), testVin(1691)];
    const denied = [
      `fleet/v1/${a}/other`, `elsewhere/${a}/position`, `fleet/v1/${a}/position/extra`, 'fleet/v2/x/position',
      // Below the gateways' namespace only `{root}/gateway/{id}/status` (the trucks' rule must not add `{root}/gateway/#`).
      'fleet/v1/gateway/gw-1/other', 'fleet/v1/gateway/gw-1/status/extra', 'fleet/v1/gateway/gw-1', 'fleet/v1/gateway/x/y/z',
    ];
    for (const topic of denied) await gateway.publishAsync(topic, 'x', { qos: 1 });
    const allowed = [`fleet/v1/${a}/position`, `fleet/v1/${b}/dm1`, `fleet/v1/${a}/status`, `fleet/v1/${b}/alarm`, gatewayStatusTopic('fleet/v1', 'gw-1')];
    for (const topic of allowed) await gateway.publishAsync(topic, '{}', { qos: 1 });
    // One connection, one subscriber: had a denied publish passed, it would have arrived before the allowed ones.
    await waitFor(() => allowed.every((t) => seen.includes(t)), { what: 'allowed publishes delivered' });
    expect(seen.filter((t) => denied.includes(t))).toEqual([]);
  });

  it('reads nothing', async () => {
    const gateway = await client(gatewayAccount);
    const received: string[] = [];
    gateway.on('message', (topic) => received.push(topic));
    await gateway.subscribeAsync('fleet/v1/#', { qos: 1 }); // Mosquitto grants it and filters each delivery
    const ops = await client(testAccounts.ops);
    await ops.publishAsync(`fleet/v1/${testVin(1692)}/position`, '{}', { qos: 1 }); // routed once PUBACKed
    // The broker answers this later SUBSCRIBE after it routed the publish: a delivery would have come first.
    await gateway.subscribeAsync('fleet/v1/marker', { qos: 1 });
    expect(received).toEqual([]);
  });

  it('a truck account named `gateway` cannot write a gateway’s status, nor anything below `{root}/gateway/{id}/`', async () => {
    const ops = await client(testAccounts.ops, trucksOnly);
    const seen: string[] = [];
    ops.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await ops.subscribeAsync('fleet/v1/#', { qos: 1 });
    const truck = await client(truckNamedGateway, trucksOnly);
    const impersonated = [gatewayStatusTopic('fleet/v1', 'gw-1'), 'fleet/v1/gateway/gw-1/other', 'fleet/v1/gateway/x/y/z'];
    for (const topic of impersonated) await truck.publishAsync(topic, 'offline', { qos: 1, retain: true });
    // Routed once PUBACKed: a publish that passed would arrive before this marker on the one subscriber.
    await ops.publishAsync('fleet/v1/marker', 'end', { qos: 1 });
    await waitFor(() => seen.includes('fleet/v1/marker end'), { what: 'the marker' });
    expect(seen).toEqual(['fleet/v1/marker end']);
  });
});
