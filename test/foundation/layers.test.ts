// The layering of README's code layout, checked on the source: processes never import each other, the
// application layer imports no process, infra no use case, core only core, and registry data is cached by one mechanism only — the registry
// version counters are read by infra/registry-cache.ts (and hashed into the coverage answers' Redis key by
// infra/coverage-cache.ts), so a hand-rolled cache keyed by those counters cannot come back unnoticed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const PROCESSES = ['api', 'dispatcher', 'ingest', 'gateway', 'scheduler', 'simulators'];
const APPLICATION = ['rescue', 'coverage', 'registry', 'repair', 'parts', 'tasks', 'complaints', 'maintenance', 'accounts', 'terminals', 'fleet', 'station-desk'];

/** Every .ts file under `folder` (relative to the repository), with its text. */
function sources(folder: string): Array<{ file: string; text: string }> {
  return readdirSync(join(root, folder), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: `${folder}/${f}`, text: readFileSync(join(root, folder, f), 'utf8') }));
}

/** The top-level folders a file imports from (relative imports only). */
function importedFolders(file: string, text: string): string[] {
  const out: string[] = [];
  const depth = file.split('/').length - 1;
  for (const m of text.matchAll(/from '((?:\.\.\/)+)([a-z-]+)\//g)) {
    if (m[1]!.length / 3 === depth) out.push(m[2]!);
  }
  return out;
}

describe('code layout', () => {
  it('processes never import each other', () => {
    const crossings = PROCESSES.flatMap((p) =>
      sources(p).flatMap(({ file, text }) => importedFolders(file, text).filter((f) => f !== p && PROCESSES.includes(f)).map((f) => `${file} → ${f}/`)),
    );
    expect(crossings).toEqual([]);
  });

  it('the application layer, core and infra import no process', () => {
    const crossings = [...APPLICATION, 'core', 'infra'].flatMap((layer) =>
      sources(layer).flatMap(({ file, text }) => importedFolders(file, text).filter((f) => PROCESSES.includes(f)).map((f) => `${file} → ${f}/`)),
    );
    expect(crossings).toEqual([]);
  });

  it('infra imports no use case, and core imports nothing but core', () => {
    const infraUp = sources('infra').flatMap(({ file, text }) =>
      importedFolders(file, text).filter((f) => APPLICATION.includes(f)).map((f) => `${file} → ${f}/`));
    const coreOut = sources('core').flatMap(({ file, text }) =>
      importedFolders(file, text).filter((f) => f !== 'core').map((f) => `${file} → ${f}/`));
    expect([...infraUp, ...coreOut]).toEqual([]);
  });

  it('registry data is cached by infra/registry-cache.ts alone (nothing else reads the version counters)', () => {
    const readers = [...PROCESSES, ...APPLICATION, 'core', 'infra']
      .flatMap((folder) => sources(folder))
      .filter(({ text }) => /registryVersion\(/.test(text))
      .map(({ file }) => file)
      .sort();
    // The store bumps them; the coverage cache hashes them into its answers' key.
    expect(readers).toEqual(['infra/coverage-cache.ts', 'infra/registry-cache.ts', 'infra/registry-store.ts']);
  });
});
