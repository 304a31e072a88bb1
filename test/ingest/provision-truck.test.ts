// Provisioning a truck's broker account with the real script against the harness broker: before, the
// truck cannot connect; after (password file + SIGHUP), it can, and it may publish only under its own VIN.
import { spawnSync } from 'node:child_process';
import mqtt from 'mqtt';
import { describe, expect, inject, it } from 'vitest';
import { devicePassword } from '../../core/device-credentials.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { testVin } from './support.ts';

const services = testServices('provision');
const DEVICE_KEY = 'test-device-key-0123456789';

function provision(...args: string[]) {
  return spawnSync('node', ['--import', 'tsx', 'scripts/provision-truck.ts', ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DEVICE_KEY },
    encoding: 'utf8',
  });
}

function connectAs(vin: string) {
  return mqtt.connectAsync(services.mqttUrl, {
    clientId: vin, username: vin, password: devicePassword(DEVICE_KEY, vin), reconnectPeriod: 0, connectTimeout: 5000,
  });
}

describe('npm run provision:truck', () => {
  it('adds the account, reloads the broker, and the truck publishes only under its own VIN', async () => {
    const vin = testVin(90_000 + Math.floor(Math.random() * 9999));
    const other = testVin(99_999);
    const passwordFile = inject('mosquittoPasswordFile');
    const pid = String(inject('mosquittoPid'));

    const refused = await connectAs(vin).then((c) => { void c.endAsync(); return 'connected'; }, (err: Error) => err.message);
    expect(refused).toMatch(/Not authorized|Bad username or password/i);

    const bad = provision('NOT-A-VIN', '--password-file', passwordFile, '--pid', pid);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('NOT-A-VIN');

    const run = provision(vin, '--password-file', passwordFile, '--pid', pid);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('1 created');
    expect(provision(vin, '--password-file', passwordFile).stdout).toContain('1 already provisioned');

    // The broker reloads asynchronously after SIGHUP.
    const truck = await waitFor(() => connectAs(vin).catch(() => undefined), { what: 'truck can connect' });
    const ops = await mqtt.connectAsync(services.mqttUrl, {
      username: services.accounts.ops.username, password: services.accounts.ops.password, reconnectPeriod: 0,
    });
    // The broker's ACL is written for the production root (fleet/v1), so this check uses it, limited to two VINs.
    const root = 'fleet/v1';
    const seen: string[] = [];
    ops.on('message', (topic) => seen.push(topic));
    await ops.subscribeAsync([`${root}/${vin}/#`, `${root}/${other}/#`], { qos: 1 });
    await truck.publishAsync(`${root}/${other}/position`, '{}', { qos: 1 });
    await truck.publishAsync(`${root}/${vin}/position`, '{}', { qos: 1 });
    await waitFor(() => seen.length > 0, { what: 'own message delivered' });
    await ops.publishAsync(`${root}/${vin}/marker`, 'end', { qos: 1 });
    await waitFor(() => seen.includes(`${root}/${vin}/marker`), { what: 'marker' });
    expect(seen).toEqual([`${root}/${vin}/position`, `${root}/${vin}/marker`]);
    await truck.endAsync();
    await ops.endAsync();
  });
});
