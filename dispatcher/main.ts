// Composition root of the rescue dispatcher process. Several instances may run at once; they share work
// through BullMQ and never step on each other's cases (every case change is a versioned, atomic commit).
import { createLogger } from '../infra/logger.ts';
import { createRedis, ensureRedisDurability } from '../infra/redis.ts';
import { createShutdown } from '../infra/shutdown.ts';
import { runMain } from '../infra/run-main.ts';
import { readDispatcherConfig } from './config.ts';
import { startDispatcher } from './dispatcher.ts';

runMain('dispatcher', async () => {
  const config = readDispatcherConfig(process.env);
  const logger = createLogger({ level: config.common.logLevel, name: 'dispatcher' });
  const shutdown = createShutdown(logger);
  shutdown.installSignalHandlers();

  const probe = createRedis(config.common, 'fail-fast');
  try {
    await ensureRedisDurability(probe);
  } finally {
    probe.disconnect();
  }

  const dispatcher = await startDispatcher(config, logger);
  shutdown.register('dispatcher', () => dispatcher.stop());
  logger.info(
    { concurrency: config.concurrency, offerTimeoutS: config.rescue.offerTimeoutS, launchWindowS: config.rescue.launchWindowS },
    'dispatcher started',
  );
});
