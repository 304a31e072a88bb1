// The ingest pipeline: spool → decode (validate, registry) → InfluxDB → Redis state + checkpoint → release.
// It reads the spool from the last applied checkpoint, so normal operation and crash replay are one path.
// Each stage retries with backoff until it succeeds: an outage of InfluxDB or Redis only grows the spool.
import { dtcSeverity, snapshotSeverity } from '../core/j1939.ts';
import type { DeadLetter } from '../core/telemetry.ts';
import type { Logger } from '../infra/logger.ts';
import { TelemetryStoreError, type TelemetryStore } from '../infra/telemetry-store.ts';
import { newestPerVehicle, type StateApplier } from './apply-state.ts';
import { decodeBatch, type DecodedBatch } from './decode.ts';
import { dm1Lines, positionLine, positionSeries } from './line-protocol.ts';
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
  /**
   * Batches whose decode and InfluxDB write may overlap (default 1). More helps when InfluxDB latency, not
   * CPU, bounds the pipeline; on a CPU-bound host it costs (two concurrent writes: more CPU in InfluxDB and
   * in this process per message, measured on bench:ingest).
   */
  inFlightBatches?: number;
  /** Lines per InfluxDB request. */
  influxChunkLines?: number;
  /**
   * Least time between two spool reads while the pipeline keeps up (default 0): lets a batch fill, so that
   * InfluxDB gets fewer, larger requests and the Redis script one entry per vehicle for more messages.
   */
  batchLingerMs?: number;
  clock?: () => number;
}

export function createIngestPipeline(deps: PipelineDeps) {
  const clock = deps.clock ?? Date.now;
  const chunkLines = deps.influxChunkLines ?? 10_000;
  const maxInFlight = deps.inFlightBatches ?? 1;
  const lingerMs = deps.batchLingerMs ?? 0;
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

  interface Telemetry {
    /** Request bodies of at most `chunkLines` lines each. */
    bodies: Array<{ body: string; lines: number }>;
    positions: number;
    dm1Points: number;
  }

  /**
   * The batch's points as line-protocol request bodies, built synchronously right after decoding: what
   * stays alive during the InfluxDB write is a few large strings, not thousands of small objects that the
   * young-generation collector would have to copy (measured: they made GC the ingester's largest cost).
   */
  function telemetryOf(batch: DecodedBatch): Telemetry {
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
    const bodies: Telemetry['bodies'] = [];
    for (let i = 0; i < lines.length; i += chunkLines) {
      const chunk = lines.length <= chunkLines ? lines : lines.slice(i, i + chunkLines);
      bodies.push({ body: chunk.join('\n'), lines: chunk.length });
    }
    return { bodies, positions: batch.positions.length, dm1Points };
  }

  async function writeTelemetry(telemetry: Telemetry, deadLetters: DeadLetter[]): Promise<void> {
    for (const { body, lines } of telemetry.bodies) {
      let rejected: TelemetryStoreError | undefined;
      await retrying('InfluxDB write', async () => {
        const started = performance.now();
        try {
          await deps.store.write([body]);
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
        logger.error({ err: rejected.message, lines }, 'InfluxDB rejected a chunk of points');
        deadLetters.push({
          at: new Date(clock()).toISOString(), reason: 'influx_rejected', topic: '', detail: rejected.message.slice(0, 1000),
          payload: body.slice(0, 4096),
        });
      }
    }
    metrics.stored.inc({ measurement: 'position' }, telemetry.positions);
    metrics.stored.inc({ measurement: 'dm1' }, telemetry.dm1Points);
  }

  /**
   * Decode and the InfluxDB write of a batch may overlap with those of the previous batch (up to
   * `inFlightBatches`); the Redis step waits for the previous batch's, so checkpoints still advance in
   * spool order.
   */
  async function processBatch(records: SpooledMessage[], end: SpoolPosition, previous: Promise<void>): Promise<void> {
    const now = clock();
    const t0 = performance.now();
    const messages = records.length;
    const batch = await retrying('decode (registry lookup)', () => decodeBatch(records, { topicRoot: deps.topicRoot, directory: deps.directory, now }));
    // From here on nothing keeps the spooled messages or every decoded position alive across the awaits
    // below: the InfluxDB bodies, the device times for the lag metric and the newest position per vehicle.
    records = [];
    const telemetry = telemetryOf(batch);
    const deviceTimes = Float64Array.from(batch.positions, (p) => p.report.ts);
    batch.positions = newestPerVehicle(batch.positions);
    const t1 = performance.now();
    await writeTelemetry(telemetry, batch.deadLetters);
    await previous;
    const t2 = performance.now();
    const outcome = await retrying('apply live state', () => deps.applier.apply(batch, end, clock()));
    logger.debug({
      messages, decodeMs: Math.round(t1 - t0), influxMs: Math.round(t2 - t1), redisMs: Math.round(performance.now() - t2),
    }, 'batch applied');
    if (!outcome.applied) {
      logger.info({ end }, 'batch already applied before a restart; skipped its Redis effects');
      return;
    }
    for (const [channel, n] of Object.entries(batch.received)) if (n) metrics.received.inc({ channel }, n);
    for (const d of batch.deadLetters) metrics.deadLetters.inc({ reason: d.reason });
    metrics.faultEvents.inc(outcome.faultEvents);
    metrics.batchSize.observe(messages);
    const stored = clock();
    for (const ts of deviceTimes) metrics.lag.observe(Math.max(0, stored - ts) / 1000);
  }

  async function run(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let previous: Promise<void> = Promise.resolve();
    let failure: unknown;
    let readFrom = cursor;
    let lastRead = -Infinity;
    while (running && failure === undefined) {
      if (inFlight.size >= maxInFlight) {
        await Promise.race(inFlight);
        continue;
      }
      // Not woken by new messages (that is the point), only by stop().
      const linger = lastRead + lingerMs - performance.now();
      if (linger > 0 && !draining) {
        await sleep(linger, 'backoff');
        if (!running) break;
      }
      const { records, next } = deps.spool.read(readFrom, deps.batchMaxMessages);
      lastRead = records.length > 0 ? performance.now() : -Infinity;
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
