import type { Logger } from './logger.ts';

type Closer = { name: string; close: () => Promise<unknown> | unknown };

/**
 * Graceful shutdown: on SIGINT/SIGTERM close resources in reverse order of registration
 * (consumers before the connections they use), with a deadline after which the process exits anyway.
 */
export function createShutdown(logger: Logger, deadlineMs = 10_000) {
  const closers: Closer[] = [];
  let stopping: Promise<void> | undefined;

  async function stop(reason: string): Promise<void> {
    if (stopping) return stopping;
    stopping = (async () => {
      logger.info({ reason }, 'shutting down');
      const timer = setTimeout(() => {
        logger.error('shutdown deadline passed, exiting');
        process.exit(1);
      }, deadlineMs);
      timer.unref();
      for (const closer of [...closers].reverse()) {
        try {
          await closer.close();
        } catch (err) {
          logger.warn({ err, resource: closer.name }, 'error while closing');
        }
      }
      clearTimeout(timer);
    })();
    return stopping;
  }

  return {
    register(name: string, close: Closer['close']): void {
      closers.push({ name, close });
    },
    stop,
    installSignalHandlers(): void {
      onStopSignals((signal) => void stop(signal).then(() => process.exit(0)));
    },
  };
}

export type Shutdown = ReturnType<typeof createShutdown>;

/**
 * Calls `stop` on SIGINT and SIGTERM — on every one, not only the first. A Ctrl-C reaches a process
 * several times (the terminal signals the whole foreground process group, and npm and tsx relay it to their
 * children); with a one-shot listener the repeat took the default action and killed the process in the
 * middle of its clean-up (`npm run demo` left its Redis, Mosquitto and InfluxDB running in 2 of 5 stops).
 * `stop` must therefore be idempotent.
 */
export function onStopSignals(stop: (signal: 'SIGINT' | 'SIGTERM') => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(signal));
}
