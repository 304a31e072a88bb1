// Broker accounts for trucks: username = VIN, password = devicePassword(DEVICE_KEY, vin). Provisioning
// rewrites Mosquitto's password file atomically (temp file + rename, so the broker never reads half a line)
// and then asks the broker to reload it (SIGHUP); connected clients stay connected.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { devicePassword } from '../core/device-credentials.ts';
import { isValidVin } from '../core/vin.ts';
import { mosquittoPasswordLine } from './mosquitto-auth.ts';

export type ProvisionOutcome = 'created' | 'rotated' | 'unchanged';

export class ProvisioningError extends Error {
  override readonly name = 'ProvisioningError';
}

export function provisionTrucks(opts: {
  passwordFile: string;
  deviceKey: string;
  vins: readonly string[];
  /** Replace the line of an existing account (after DEVICE_KEY rotation). */
  rotate?: boolean;
}): Map<string, ProvisionOutcome> {
  const invalid = opts.vins.filter((vin) => !isValidVin(vin));
  if (invalid.length) throw new ProvisioningError(`not valid VINs (17 characters, no I/O/Q, check digit): ${invalid.slice(0, 10).join(', ')}`);
  if (opts.deviceKey.length < 16) throw new ProvisioningError('the device key must be at least 16 characters');
  const existing = existsSync(opts.passwordFile) ? readFileSync(opts.passwordFile, 'utf8').split('\n').filter(Boolean) : [];
  const index = new Map(existing.map((line, i) => [line.slice(0, line.indexOf(':')), i]));
  const outcomes = new Map<string, ProvisionOutcome>();
  const lines = [...existing];
  for (const vin of new Set(opts.vins)) {
    const at = index.get(vin);
    const line = mosquittoPasswordLine(vin, devicePassword(opts.deviceKey, vin));
    if (at === undefined) {
      index.set(vin, lines.push(line) - 1);
      outcomes.set(vin, 'created');
    } else if (opts.rotate) {
      lines[at] = line;
      outcomes.set(vin, 'rotated');
    } else {
      outcomes.set(vin, 'unchanged');
    }
  }
  if ([...outcomes.values()].some((o) => o !== 'unchanged')) {
    const temp = `${opts.passwordFile}.${process.pid}.tmp`;
    writeFileSync(temp, lines.join('\n') + '\n', { mode: 0o600 });
    renameSync(temp, opts.passwordFile);
  }
  return outcomes;
}

/** Makes a running Mosquitto re-read its password and ACL files. */
export function reloadBroker(pid: number): void {
  try {
    process.kill(pid, 'SIGHUP');
  } catch (err) {
    throw new ProvisioningError(`cannot signal the broker (pid ${pid}): ${err instanceof Error ? err.message : String(err)}`);
  }
}
