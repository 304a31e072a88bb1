// Builds the console (the same Vite build as `npm run build:console`) so the browser and static tests
// exercise the current sources, not a stale console/dist.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

let built: Promise<void> | undefined;

export function buildConsole(): Promise<void> {
  built ??= build({
    configFile: fileURLToPath(new URL('../../console/vite.config.ts', import.meta.url)),
    logLevel: 'warn',
  }).then(() => undefined);
  return built;
}
