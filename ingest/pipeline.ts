// The ingest pipeline: spool → decode (validate, registry) → InfluxDB → Redis state + checkpoint → release.
// It reads the spool from the last applied checkpoint, so normal operation and crash replay are one path.
// Each stage retries with backoff until it succeeds: an outage of InfluxDB or Redis only grows the spool.
import { dtcSeverity, snapshotSeverity } from '../core/j1939.ts';
import type { DeadLetter } from '../core/telemetry.ts';
import type { Logger } from '../infra/logger.ts';
import { TelemetryStoreError, type TelemetryStore } from '../infra/telemetry-store.ts';
import type { StateApplier } from './apply-state.ts';
import { decodeBatch, type DecodedBatch } from './decode.ts';
import { dm1Lines, positionLine } from './line-protocol.ts';
import type { IngestMetrics } from './metrics.ts';
import type { Spool, SpoolPosition, SpooledMessage } from './spool.ts';
import type { VehicleDirectory } from './vehicle-directory.ts';

class Stopped extends Error {}

export interface PipelineDeps {
  spool: Pick<Spool, 'read' | 'release'>;
  store: Pick<TelemetryStore, 'write' | 'ensureDatabase'>;
  applier: StateApplier;
  directory: Pick<VehicleDirectory, 'customersOf'>;
  metrics: IngestMetrics;
  logger: Logger;
  topicRoot: string;
  batchMaxMessages: number;
  /** Lines per InfluxDB request. */
  influxChunkLines?: number;
  clock?: () => number;
}

export function createIngestPipeline(deps: PipelineDeps) {
  const clock = deps.clock ?? Date.now;
  const chunkLines = deps.influxChunkLines ?? 10_000;
  const { metrics, logger } = deps;
  let running = false;
  let cursor: SpoolPosition = { segment: 0, offset: 0 };
  let wakeIdle: (() => void) | undefined;
  let wakeBackoff: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  let idleWaiters: Array<() => void> = [];

  async function retrying<T>(what: string, attempt: () => Promise<T>, onError?: (err: unknown) => Promise<void> | void): Promise<T> {
    let delay = 100;
    for (;;) {
      if (!running) throw new Stopped();
      try {
        return await attempt();
      } catch (err) {
        if (err instanceof Stopped) throw err;
        await onError?.(err);
        logger.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: delay }, `${what} failed, will retry`);
        await sleep(delay, 'backoff');
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  /** An idle wait ends when messages arrive; a backoff wait only ends early on stop(). */
  function sleep(ms: number, kind: 'idle' | 'backoff'): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (kind === 'idle') wakeIdle = undefined;
        else wakeBackoff = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (kind === 'idle') wakeIdle = done;
      else wakeBackoff = done;
    });
  }

  async function writeTelemetry(batch: DecodedBatch): Promise<void> {
    const lines: string[] = [];
    for (const p of batch.positions) lines.push(positionLine(p.vin, p.customerId, p.report));
    let dm1Points = 0;
    for (const d of batch.dm1s) {
      const severity = snapshotSeverity(d.report.lamps, d.report.dtcs);
      const written = dm1Lines(d.vin, d.customerId, d.report, severity, d.report.dtcs.map(dtcSeverity));
      dm1Points += 1;
      for (const line of written) lines.push(line);
    }
    for (let i = 0; i < lines.length; i += chunkLines) {
      const chunk = lines.slice(i, i + chunkLines);
      let rejected: TelemetryStoreError | undefined;
      await retrying('InfluxDB write', async () => {
        const started = performance.now();
        try {
          await deps.store.write(chunk);
        } catch (err) {
          if (err instanceof TelemetryStoreError && !err.retryable) {
            rejected = err;
            return;
          }
          throw err;
        }
        metrics.influxWrite.observe((performance.now() - started) / 1000);
      }, async (err) => {
        metrics.influxFailures.inc({ retryable: 'true' });
        if (err instanceof TelemetryStoreError && err.status === 404) await deps.store.ensureDatabase().catch(() => undefined);
      });
      if (rejected) {
        // InfluxDB refused the data itself (e.g. a field type conflict with points written by someone else):
        // retrying cannot help, so the chunk is recorded as a dead letter instead of blocking the spool.
        metrics.influxFailures.inc({ retryable: 'false' });
        logger.error({ err: rejected.message, lines: chunk.length }, 'InfluxDB rejected a chunk of points');
        const letter: DeadLetter = {
          at: new Date(clock()).toISOString(), reason: 'influx_rejected', topic: '', detail: rejected.message.slice(0, 1000),
          payload: chunk.slice(0, 20).join('\n').slice(0, 4096),
        };
        batch.deadLetters.push(letter);
      }
    }
    metrics.stored.inc({ measurement: 'position' }, batch.positions.length);
    metrics.stored.inc({ measurement: 'dm1' }, dm1Points);
  }

  async function processBatch(records: SpooledMessage[], end: SpoolPosition): Promise<void> {
    const now = clock();
    const batch = await retrying('decode (registry lookup)', () => decodeBatch(records, { topicRoot: deps.topicRoot, directory: deps.directory, now }));
    await writeTelemetry(batch);
    const outcome = await retrying('apply live state', () => deps.applier.apply(batch, end, clock()));
    if (!outcome.applied) {
      logger.info({ end }, 'batch already applied before a restart; skipped its Redis effects');
      return;
    }
    for (const [channel, n] of Object.entries(batch.received)) if (n) metrics.received.inc({ channel }, n);
    for (const d of batch.deadLetters) metrics.deadLetters.inc({ reason: d.reason });
    metrics.faultEvents.inc(outcome.faultEvents);
    metrics.batchSize.observe(records.length);
    const stored = clock();
    for (const p of batch.positions) metrics.lag.observe(Math.max(0, stored - p.report.ts) / 1000);
  }

  async function run(): Promise<void> {
    while (running) {
      const { records, next } = deps.spool.read(cursor, deps.batchMaxMessages);
      if (records.length === 0) {
        cursor = next;
        deps.spool.release(cursor);
        for (const resolve of idleWaiters) resolve();
        idleWaiters = [];
        await sleep(1000, 'idle');
        continue;
      }
      try {
        await processBatch(records, records[records.length - 1]!.end);
      } catch (err) {
        if (err instanceof Stopped) break;
        throw err;
      }
      cursor = records[records.length - 1]!.end;
      deps.spool.release(cursor);
    }
  }

  return {
    /** Starts processing at `from` (the applied checkpoint or the spool's start). */
    start(from: SpoolPosition): Promise<void> {
      cursor = from;
      running = true;
      loop = run().catch((err: unknown) => {
        logger.fatal({ err }, 'ingest pipeline crashed');
        throw err;
      });
      return loop;
    },
    /** Wakes the loop after new messages were spooled. */
    notify(): void {
      wakeIdle?.();
    },
    /** Resolves once everything spooled so far has been applied (used by the bench and shutdown). */
    idle(): Promise<void> {
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
        wakeIdle?.();
      });
    },
    async stop(): Promise<void> {
      running = false;
      wakeIdle?.();
      wakeBackoff?.();
      await loop?.catch(() => undefined);
    },
    position: (): SpoolPosition => cursor,
  };
}

export type IngestPipeline = ReturnType<typeof createIngestPipeline>;
