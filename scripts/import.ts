// `npm run import -- <kind> <file>`: bulk import of the registry from a JSON array or a CSV file
// (kinds: stations, depots, vehicles, advisors, customers). Idempotent: re-importing the same file
// changes nothing. All or nothing: if any row has a problem, nothing is stored and every problem is
// printed with its row number (exit code 1). Env: REDIS_URL, REDIS_PREFIX.
import { readFileSync } from 'node:fs';
import { DomainError } from '../core/errors.ts';
import { IMPORT_KINDS, detectFormat, isImportKind, parseAssignmentFile, parseImportFile } from '../core/registry-import.ts';
import { readCommonConfig } from '../infra/config.ts';
import { createRedis, ensureRedisDurability } from '../infra/redis.ts';
import { loadRegionMap } from '../infra/regions-data.ts';
import { createRegistryImporter } from '../registry/importer.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { runMain } from '../infra/run-main.ts';

const USAGE = `usage: npm run import -- <${[...Object.keys(IMPORT_KINDS), 'assignments'].join('|')}> <file.json|file.csv>`;

function fail(message: string, code: number): never {
  process.stderr.write(`import: ${message}\n`);
  process.exit(code);
}

runMain('import', async () => {
  const [kindArg, file, ...rest] = process.argv.slice(2);
  if (!kindArg || !file || rest.length) fail(USAGE, 64);
  if (!isImportKind(kindArg) && kindArg !== 'assignments') fail(`unknown kind "${kindArg}"\n${USAGE}`, 64);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    fail(`cannot read ${file}: ${(err as Error).message}`, 66);
  }
  let rows: unknown[];
  try {
    rows = kindArg === 'assignments' ? parseAssignmentFile(text, detectFormat(file, text)) : parseImportFile(IMPORT_KINDS[kindArg], text, detectFormat(file, text));
  } catch (err) {
    if (err instanceof DomainError) fail(`${file}: ${err.message}`, 65);
    throw err;
  }

  const common = readCommonConfig(process.env);
  const redis = createRedis(common, 'fail-fast', { connectionName: 'fleet-import' });
  try {
    await ensureRedisDurability(redis);
    const registry = createRegistryStore({ redis, prefix: common.redisPrefix });
    const importer = createRegistryImporter({ registry, regions: loadRegionMap() });
    const started = performance.now();
    const report = kindArg === 'assignments'
      ? await importer.importAssignments(rows, `import:${file.split('/').pop()}`)
      : await importer.importRows(IMPORT_KINDS[kindArg], rows);
    const ms = Math.round(performance.now() - started);
    if (report.problems.length) {
      const rowsWithProblems = new Set(report.problems.map((p) => p.row)).size;
      for (const p of report.problems.slice(0, 200)) {
        process.stderr.write(`row ${p.row}${p.id ? ` (${p.id})` : ''}: ${p.field} ${p.message}\n`);
      }
      if (report.problems.length > 200) process.stderr.write(`... and ${report.problems.length - 200} more problems\n`);
      fail(`${rowsWithProblems} of ${report.rows} rows of ${file} have problems; nothing was imported`, 1);
    }
    process.stdout.write(
      `imported ${report.rows} ${kindArg} from ${file} in ${ms} ms: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged\n`,
    );
  } finally {
    redis.disconnect();
  }
});
