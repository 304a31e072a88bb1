// Prometheus metrics of one ingester (its own registry, served on INGEST_METRICS_PORT at /metrics).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DEAD_LETTER_REASONS } from '../core/telemetry.ts';

export function createIngestMetrics() {
  const registry = new Registry();
  let readSpool: (() => { backlogBytes: number; segments: number }) | undefined;
  collectDefaultMetrics({ register: registry, prefix: 'ingest_process_' });
  const metrics = {
    registry,
    received: new Counter({ name: 'ingest_messages_received_total', help: 'MQTT messages taken from the spool and applied, by channel', labelNames: ['channel'], registers: [registry] }),
    stored: new Counter({ name: 'ingest_records_stored_total', help: 'Records written to InfluxDB, by measurement', labelNames: ['measurement'], registers: [registry] }),
    deadLetters: new Counter({ name: 'ingest_dead_letters_total', help: 'Messages or records not stored, by reason', labelNames: ['reason'], registers: [registry] }),
    faultEvents: new Counter({ name: 'ingest_fault_events_total', help: 'Fault events emitted (DM1 changes)', registers: [registry] }),
    faultEventsRelayed: new Counter({ name: 'ingest_fault_events_relayed_total', help: 'Fault events moved from the outbox to the queue', registers: [registry] }),
    spoolBacklog: new Gauge({
      name: 'ingest_spool_backlog_bytes', help: 'Spooled bytes not yet applied', registers: [registry],
      collect() {
        if (readSpool) this.set(readSpool().backlogBytes);
      },
    }),
    spoolSegments: new Gauge({
      name: 'ingest_spool_segments', help: 'Spool segment files on disk', registers: [registry],
      collect() {
        if (readSpool) this.set(readSpool().segments);
      },
    }),
    influxWrite: new Histogram({
      name: 'ingest_influx_write_seconds', help: 'Duration of successful InfluxDB writes', registers: [registry],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    influxFailures: new Counter({ name: 'ingest_influx_write_failures_total', help: 'Failed InfluxDB write attempts (retried)', labelNames: ['retryable'], registers: [registry] }),
    lag: new Histogram({
      name: 'ingest_lag_seconds', help: 'Server time when stored minus device time', registers: [registry],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400],
    }),
    batchSize: new Histogram({ name: 'ingest_batch_messages', help: 'Messages per processed spool batch', registers: [registry], buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000] }),
  };
  for (const reason of DEAD_LETTER_REASONS) metrics.deadLetters.inc({ reason }, 0);
  return {
    ...metrics,
    /** Spool gauges are read at scrape time, so they also move while the pipeline is stuck retrying. */
    observeSpool(read: () => { backlogBytes: number; segments: number }): void {
      readSpool = read;
    },
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
