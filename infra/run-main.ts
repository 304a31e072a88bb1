import { ConfigError } from './config.ts';
import { RedisModeError, RedisPersistenceError } from './redis.ts';

/**
 * Runs a process's composition root. Configuration and start-up refusals end the process with one
 * clear line and a non-zero exit code, never a stack trace; anything else is a crash and is shown whole.
 */
export function runMain(processName: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${processName}: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof RedisPersistenceError || err instanceof RedisModeError) {
      process.stderr.write(`${processName}: refusing to start: ${err.message}\n`);
      process.exit(3);
    }
    process.stderr.write(`${processName}: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
