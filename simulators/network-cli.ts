// `npm run simulate:network -- --stations 700 --depots 20 --seed 1 --out <dir>`
// Writes customers.json, vehicles.json, stations.json, depots.json, advisors.json and assignments.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadChinaCities } from './cities.ts';
import { DEFAULT_NETWORK_OPTIONS, generateNetwork, NETWORK_FILES, serializeNetworkFile } from './network.ts';
import { CliOptionError, intOption } from './cli-options.ts';

const USAGE = `usage: npm run simulate:network -- [--stations 700] [--depots 20] [--customers 8] [--vehicles 10000]
                                   [--advisors 30] [--seed 1] --out <dir>`;

function main(): void {
  const { values } = parseArgs({
    options: {
      stations: { type: 'string' }, depots: { type: 'string' }, customers: { type: 'string' }, vehicles: { type: 'string' },
      advisors: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (!values.out) throw new UsageError('--out <dir> is required');
  const d = DEFAULT_NETWORK_OPTIONS;
  const options = {
    ...d,
    seed: intOption('--seed', values.seed, d.seed, 0, 2 ** 32 - 1),
    stations: intOption('--stations', values.stations, d.stations, 1, 100_000),
    depots: intOption('--depots', values.depots, d.depots, 0, 300),
    customers: intOption('--customers', values.customers, d.customers, 1, 1000),
    vehicles: intOption('--vehicles', values.vehicles, d.vehicles, 1, 999_999),
    advisors: intOption('--advisors', values.advisors, d.advisors, 1, 300),
  };
  const network = generateNetwork(loadChinaCities(), options);
  const dir = resolve(values.out);
  mkdirSync(dir, { recursive: true });
  for (const [file, key] of NETWORK_FILES) writeFileSync(join(dir, file), serializeNetworkFile(network[key]));
  const assignments = network.assignments.reduce((n, c) => n + c.assignments.length, 0);
  process.stdout.write(
    `network (seed ${options.seed}) written to ${dir}: ${network.stations.length} stations, ${network.depots.length} depots, ` +
      `${network.advisors.length} advisors, ${network.customers.length} customers, ${network.vehicles.length} vehicles, ` +
      `${assignments} fixed-point assignments\n`,
  );
}

class UsageError extends CliOptionError {}

try {
  main();
} catch (err) {
  process.stderr.write(`simulate:network: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exit(2);
}
