// `npm run provision:truck -- <vin> [<vin> ...] [--file vins.txt|vehicles.json] [--password-file path]
//   [--pid N | --pid-file path] [--rotate]`
// Adds broker accounts for trucks (username = VIN, password derived from DEVICE_KEY) to Mosquitto's password
// file and reloads the broker. Env: DEVICE_KEY (required), MOSQUITTO_PASSWORD_FILE (default
// .data/mosquitto/passwd, the demo's broker), MOSQUITTO_PID_FILE (default .data/mosquitto/mosquitto.pid when
// present). See docs/protocol.md.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, optionalString, requireString } from '../infra/config.ts';
import { runMain } from '../infra/run-main.ts';
import { ProvisioningError, provisionTrucks, reloadBroker } from '../infra/truck-provisioning.ts';

function usage(problem: string): never {
  process.stderr.write(`provision:truck: ${problem}\n` +
    'usage: npm run provision:truck -- <vin> [...] [--file vins.txt|vehicles.json] [--password-file path] [--pid N | --pid-file path] [--rotate]\n');
  process.exit(2);
}

function vinsFromFile(path: string): string[] {
  if (!existsSync(path)) usage(`file not found: ${path}`);
  const text = readFileSync(path, 'utf8');
  if (text.trimStart().startsWith('[')) {
    const rows = JSON.parse(text) as Array<string | { vin?: unknown }>;
    return rows.map((row) => (typeof row === 'string' ? row : String(row.vin ?? '')));
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

runMain('provision:truck', async () => {
  const args = process.argv.slice(2);
  const vins: string[] = [];
  let passwordFile = optionalString(process.env, 'MOSQUITTO_PASSWORD_FILE') ?? join(process.cwd(), '.data', 'mosquitto', 'passwd');
  // Default: the demo's broker, whose pid file infra/local-services.ts writes next to its password file.
  const demoPidFile = join(process.cwd(), '.data', 'mosquitto', 'mosquitto.pid');
  let pidFile = optionalString(process.env, 'MOSQUITTO_PID_FILE') ?? (existsSync(demoPidFile) ? demoPidFile : undefined);
  let pid: number | undefined;
  let rotate = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = () => args[++i] ?? usage(`${a} needs a value`);
    if (a === '--file') vins.push(...vinsFromFile(value()));
    else if (a === '--password-file') passwordFile = value();
    else if (a === '--pid-file') pidFile = value();
    else if (a === '--pid') {
      pid = Number(value());
      if (!Number.isInteger(pid) || pid <= 0) usage('--pid must be a process id');
    } else if (a === '--rotate') rotate = true;
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else vins.push(a.trim().toUpperCase());
  }
  if (vins.length === 0) usage('name at least one VIN');
  const deviceKey = requireString(process.env, 'DEVICE_KEY');
  if (pid === undefined && pidFile !== undefined) {
    if (!existsSync(pidFile)) throw new ConfigError('MOSQUITTO_PID_FILE', `names a missing file (${pidFile})`);
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  }
  try {
    const outcomes = provisionTrucks({ passwordFile, deviceKey, vins, rotate });
    const counts = { created: 0, rotated: 0, unchanged: 0 };
    for (const outcome of outcomes.values()) counts[outcome] += 1;
    process.stdout.write(`provision:truck: ${counts.created} created, ${counts.rotated} rotated, ${counts.unchanged} already provisioned (${passwordFile})\n`);
    if (counts.created + counts.rotated === 0) return;
    if (pid === undefined) {
      process.stdout.write('provision:truck: no broker pid given (--pid / --pid-file / MOSQUITTO_PID_FILE): send the broker SIGHUP to load the new accounts\n');
      return;
    }
    reloadBroker(pid);
    process.stdout.write(`provision:truck: broker ${pid} reloaded\n`);
  } catch (err) {
    if (err instanceof ProvisioningError) {
      process.stderr.write(`provision:truck: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
});
