// The ingest pipeline: spool → decode (validate, registry) → InfluxDB → Redis state + checkpoint → release.
// It reads the spool from the last applied checkpoint, so normal operation and crash replay are one path.
// Each stage retries with backoff until it succeeds: an outage of InfluxDB or Redis only grows the spool.
import { dtcSeverity, snapshotSeverity } from '../core/j1939.ts';
import type { DeadLetter } from '../core/telemetry.ts';
import type { Logger } from '../infra/logger.ts';
import { TelemetryStoreError, type TelemetryStore } from '../infra/telemetry-store.ts';
import type { StateApplier } from './apply-state.ts';
import { decodeBatch, type DecodedBatch } from './decode.ts';
import { dm1Lines, positionLine, positionSeries } from './line-protocol.ts';
import type { IngestMetrics } from './metrics.ts';
import type { Spool, SpoolPosition, SpooledMessage } from './spool.ts';
import type { VehicleDirectory } from './vehicle-directory.ts';

class Stopped extends Error {}

const MAX_IN_FLIGHT = 2;

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
  let draining = false;
  let cursor: SpoolPosition = { segment: 0, offset: 0 };
  let wakeIdle: (() => void) | undefined;
  const backoffWakers = new Set<() => void>();
  let loop: Promise<void> | undefined;

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
        if (kind === 'idle') {
          if (wakeIdle === done) wakeIdle = undefined;
        } else backoffWakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (kind === 'idle') wakeIdle = done;
      else backoffWakers.add(done);
    });
  }

  async function writeTelemetry(batch: DecodedBatch): Promise<void> {
    const lines: string[] = [];
    const series = new Map<string, string>(); // per vehicle: a batch holds many points of few vehicles
    for (const p of batch.positions) {
      let s = series.get(p.vin);
      if (s === undefined) series.set(p.vin, (s = positionSeries(p.vin, p.customerId)));
      lines.push(positionLine(s, p.report));
    }
    let dm1Points = 0;
    for (const d of batch.dm1s) {
      const severity = snapshotSeverity(d.report.lamps, d.report.dtcs);
      const written = dm1Lines(d.vin, d.customerId, d.report, severity, d.report.dtcs.map(dtcSeverity));
      dm1Points += 1;
      for (const line of written) lines.push(line);
    }
    for (let i = 0; i < lines.length; i += chunkLines) {
      const chunk = lines.length <= chunkLines ? lines : lines.slice(i, i + chunkLines);
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

  /**
   * Decode and the InfluxDB write of a batch may overlap with those of the previous batch (up to
   * MAX_IN_FLIGHT batches: InfluxDB latency, not CPU, bounds a sequential pipeline); the Redis step waits
   * for the previous batch's, so checkpoints still advance in spool order.
   */
  async function processBatch(records: SpooledMessage[], end: SpoolPosition, previous: Promise<void>): Promise<void> {
    const now = clock();
    const t0 = performance.now();
    const batch = await retrying('decode (registry lookup)', () => decodeBatch(records, { topicRoot: deps.topicRoot, directory: deps.directory, now }));
    const t1 = performance.now();
    await writeTelemetry(batch);
    await previous;
    const t2 = performance.now();
    const outcome = await retrying('apply live state', () => deps.applier.apply(batch, end, clock()));
    logger.debug({
      messages: records.length, decodeMs: Math.round(t1 - t0), influxMs: Math.round(t2 - t1), redisMs: Math.round(performance.now() - t2),
    }, 'batch applied');
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
    const inFlight = new Set<Promise<void>>();
    let previous: Promise<void> = Promise.resolve();
    let failure: unknown;
    let readFrom = cursor;
    while (running && failure === undefined) {
      if (inFlight.size >= MAX_IN_FLIGHT) {
        await Promise.race(inFlight);
        continue;
      }
      const { records, next } = deps.spool.read(readFrom, deps.batchMaxMessages);
      if (records.length === 0) {
        readFrom = next;
        if (inFlight.size === 0) {
          cursor = next;
          deps.spool.release(cursor);
          if (draining) break;
          await sleep(1000, 'idle');
        } else {
          await Promise.race([...inFlight, sleep(1000, 'idle')]);
        }
        continue;
      }
      const end = records[records.length - 1]!.end;
      readFrom = end;
      const batch: Promise<void> = processBatch(records, end, previous).then(() => {
        cursor = end;
        deps.spool.release(end);
      });
      previous = batch;
      // `tracked` never rejects, so waiting on the in-flight set cannot throw; the failure is kept instead.
      const tracked: Promise<void> = batch.then(
        () => {
          inFlight.delete(tracked);
        },
        (err: unknown) => {
          inFlight.delete(tracked);
          if (!(err instanceof Stopped)) failure ??= err;
          running = false;
          wakeIdle?.();
        },
      );
      inFlight.add(tracked);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
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
    /**
     * Graceful end: applies what is spooled (no new messages may arrive: disconnect MQTT first), then stops.
     * Gives up after `timeoutMs` (e.g. InfluxDB down); the rest stays in the spool for the next start.
     */
    async drain(timeoutMs: number): Promise<void> {
      draining = true;
      wakeIdle?.();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([loop?.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      await this.stop();
    },
    async stop(): Promise<void> {
      running = false;
      wakeIdle?.();
      for (const wake of [...backoffWakers]) wake();
      await loop?.catch(() => undefined);
    },
    position: (): SpoolPosition => cursor,
  };
}

export type IngestPipeline = ReturnType<typeof createIngestPipeline>;
