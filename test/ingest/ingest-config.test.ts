import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readIngestConfig } from '../../ingest/config.ts';
import { testServices } from '../harness/context.ts';

const services = testServices('ingestconfig');

describe('ingester configuration', () => {
  it('has documented defaults', () => {
    const config = readIngestConfig(services.env(), { hostname: 'box-1.example', cwd: '/srv/fleet' });
    expect(config).toMatchObject({
      clientId: 'ingest-box-1-example', spoolDir: '/srv/fleet/.data/spool/ingest-box-1-example', metricsPort: 9464,
      batchMaxMessages: 5000, batchLingerMs: 100, inFlightBatches: 1, fsyncIntervalMs: 1000, influxTimeoutMs: 10_000,
    });
    expect(config.mqtt.username).toBe('ingester');
  });

  it.each([
    [{ INGEST_BATCH_MAX: '0' }, /^INGEST_BATCH_MAX must be ≥ 1/],
    [{ INGEST_IN_FLIGHT_BATCHES: '9' }, /^INGEST_IN_FLIGHT_BATCHES must be ≤ 8/],
    [{ INGEST_CLIENT_ID: 'a/b' }, /^INGEST_CLIENT_ID must be/],
    [{ INGEST_METRICS_PORT: 'http' }, /^INGEST_METRICS_PORT must be an integer/],
    [{ MQTT_URL: 'foo' }, /^MQTT_URL must be a URL/],
  ])('names the variable for %j', (bad, message) => {
    expect(() => readIngestConfig(services.env(bad), { hostname: 'h', cwd: '/' })).toThrow(message);
  });

  it('stops the process with exit code 2 and one line on bad configuration', () => {
    const run = spawnSync('node', ['--import', 'tsx', 'ingest/main.ts'], { env: services.env({ INGEST_FSYNC_INTERVAL_MS: '-5' }), encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual(['ingest: configuration error: INGEST_FSYNC_INTERVAL_MS must be ≥ 10 (got -5)']);
  });
});
