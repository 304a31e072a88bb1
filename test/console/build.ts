// Builds the console (the same Vite build as `npm run build:console`) when console/dist is not the build
// of the current sources, so the browser and static tests never exercise a stale build. The stamp is
// the one scripts/bootstrap.sh writes (sha256 of the lockfile followed by every console source file in
// path order), so after a bootstrap nothing is rebuilt. Test files run in parallel processes: a lock
// directory makes one of them build while the others wait.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STAMP = join(ROOT, 'console/dist/.build-stamp');
const LOCK = join(ROOT, '.tmp/console-build.lock');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (path === 'console/dist') return [];
    return entry.isDirectory() ? sourceFiles(path) : entry.isFile() ? [path] : [];
  });
}

export function consoleSourceHash(): string {
  const hash = createHash('sha256').update(readFileSync(join(ROOT, 'package-lock.json')));
  for (const file of sourceFiles('console').sort()) hash.update(readFileSync(join(ROOT, file)));
  return hash.digest('hex');
}

const isCurrent = (hash: string) => existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === hash;

/** How often a waiting build looks whether another process released the build lock. */
const LOCK_POLL_MS = 200;

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A lock left by a killed run is stale after two minutes.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() - started > 180_000) throw new Error(`waited 3 minutes for ${LOCK}`);
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS)); // waiting for another process, not synchronising a test
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

let built: Promise<void> | undefined;

export function buildConsole(): Promise<void> {
  built ??= (async () => {
    const hash = consoleSourceHash();
    if (isCurrent(hash)) return;
    await withLock(async () => {
      if (isCurrent(hash)) return;
      await build({ configFile: join(ROOT, 'console/vite.config.ts'), logLevel: 'warn' });
      writeFileSync(STAMP, `${hash}\n`);
    });
  })();
  return built;
}
