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
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          void stop(signal).then(() => process.exit(0));
        });
      }
    },
  };
}

export type Shutdown = ReturnType<typeof createShutdown>;
