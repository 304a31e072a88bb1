// The InfluxDB boundary. Writes are line protocol (ms precision); reads are InfluxQL for every version:
// 1.x through its HTTP API (`/write`, `/query`), 2.x/3.x writes through @influxdata/influxdb-client and
// reads through the v1-compatible `/query` endpoint (token auth; the bucket needs a DBRP mapping whose
// database name equals the bucket name, see docs/ingest.md). Nothing above this file knows the version.
import { InfluxDB, HttpError } from '@influxdata/influxdb-client';
import type { InfluxConfig } from './config.ts';

/** One result row; `time` is epoch ms; GROUP BY tags are merged into the row. */
export type InfluxRow = Record<string, string | number | boolean | null>;

export class TelemetryStoreError extends Error {
  override readonly name = 'TelemetryStoreError';
  constructor(
    message: string,
    /** False when InfluxDB rejected the data itself (HTTP 400): retrying the same lines cannot succeed. */
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface TelemetryStore {
  /** Writes line-protocol lines with ms timestamps. Rejects with TelemetryStoreError. */
  write(lines: readonly string[]): Promise<void>;
  /** Runs one InfluxQL statement (or several separated by `;`, rows concatenated). */
  query(influxql: string): Promise<InfluxRow[]>;
  /** True when the server answers its ping. */
  ping(): Promise<boolean>;
  /** Creates the 1.x database when missing; for 2.x/3.x the bucket is provisioned outside (no-op). */
  ensureDatabase(): Promise<void>;
  /** Human-readable target for logs (never contains credentials). */
  readonly description: string;
}

interface V1Series {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
}
interface V1Response {
  results?: Array<{ statement_id?: number; series?: V1Series[]; error?: string }>;
  error?: string;
}

/** Escapes an InfluxQL string literal (single quotes). */
export function influxString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Escapes an InfluxQL identifier (double quotes). */
export function influxIdent(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function rowsOf(body: V1Response): InfluxRow[] {
  if (body.error) throw new TelemetryStoreError(`InfluxDB query failed: ${body.error}`, false, 400);
  const rows: InfluxRow[] = [];
  for (const result of body.results ?? []) {
    if (result.error) throw new TelemetryStoreError(`InfluxDB query failed: ${result.error}`, false, 400);
    for (const series of result.series ?? []) {
      for (const values of series.values ?? []) {
        const row: InfluxRow = { ...(series.tags ?? {}) };
        series.columns.forEach((column, i) => {
          row[column] = (values[i] ?? null) as InfluxRow[string];
        });
        rows.push(row);
      }
    }
  }
  return rows;
}

function classifyStatus(status: number, text: string, what: string): TelemetryStoreError {
  // 400 = the data or the statement is wrong (field type conflict, parse error); 404 = database missing
  // (retryable once it is created); 401/403 = credentials (retry after an operator fixes them); 5xx = server.
  return new TelemetryStoreError(`InfluxDB ${what} answered ${status}: ${text.slice(0, 500)}`, status !== 400 && status !== 413, status);
}

async function fetchWithTimeout(url: string, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const reason = err instanceof Error ? (err.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : err.message) : String(err);
    throw new TelemetryStoreError(`InfluxDB ${what} failed: ${reason}`, true);
  }
}

export interface TelemetryStoreOptions {
  /** Per-request timeout; a stalled server must not stall the caller forever. */
  timeoutMs?: number;
}

export function createTelemetryStore(config: InfluxConfig, opts: TelemetryStoreOptions = {}): TelemetryStore {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const base = config.url.replace(/\/+$/, '');

  async function v1Query(params: URLSearchParams, headers: Record<string, string>): Promise<InfluxRow[]> {
    params.set('epoch', 'ms');
    const res = await fetchWithTimeout(`${base}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: params.toString(),
    }, timeoutMs, 'query');
    const text = await res.text();
    if (!res.ok) throw classifyStatus(res.status, text, 'query');
    try {
      return rowsOf(JSON.parse(text) as V1Response);
    } catch (err) {
      if (err instanceof TelemetryStoreError) throw err;
      throw new TelemetryStoreError(`InfluxDB query answered non-JSON: ${text.slice(0, 200)}`, true, res.status);
    }
  }

  async function ping(): Promise<boolean> {
    try {
      const res = await fetch(`${base}/ping`, { signal: AbortSignal.timeout(Math.min(timeoutMs, 3000)) });
      return res.status === 204 || res.status === 200;
    } catch {
      return false;
    }
  }

  if (config.version === 1) {
    const auth: Record<string, string> = {};
    if (config.username !== undefined) {
      auth.authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;
    }
    return {
      description: `InfluxDB 1.x ${base} db=${config.database}`,
      async write(lines) {
        if (lines.length === 0) return;
        const url = `${base}/write?${new URLSearchParams({ db: config.database, precision: 'ms' })}`;
        const res = await fetchWithTimeout(url, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth }, body: lines.join('\n') }, timeoutMs, 'write');
        if (res.status === 204 || res.status === 200) return;
        throw classifyStatus(res.status, await res.text(), 'write');
      },
      query: (influxql) => v1Query(new URLSearchParams({ db: config.database, q: influxql }), auth),
      ping,
      async ensureDatabase() {
        await v1Query(new URLSearchParams({ q: `CREATE DATABASE ${influxIdent(config.database)}` }), auth);
      },
    };
  }

  const client = new InfluxDB({ url: base, token: config.token, timeout: timeoutMs });
  const tokenHeader = { authorization: `Token ${config.token}` };
  return {
    description: `InfluxDB 2.x/3.x ${base} org=${config.org} bucket=${config.bucket}`,
    async write(lines) {
      if (lines.length === 0) return;
      // A fresh WriteApi per call with retries off: the caller (the ingest spool) owns retrying and batching.
      const api = client.getWriteApi(config.org, config.bucket, 'ms', {
        maxRetries: 0,
        batchSize: lines.length + 1,
        flushInterval: 0,
        maxBufferLines: lines.length + 1,
      });
      api.writeRecords(lines as string[]);
      try {
        await api.close();
      } catch (err) {
        if (err instanceof HttpError) throw classifyStatus(err.statusCode, err.body ?? err.message, 'write');
        throw new TelemetryStoreError(`InfluxDB write failed: ${err instanceof Error ? err.message : String(err)}`, true);
      }
    },
    query: (influxql) => v1Query(new URLSearchParams({ db: config.bucket, q: influxql }), tokenHeader),
    ping,
    async ensureDatabase() {
      // Buckets and their DBRP mapping are provisioned by the deployment (docker-compose init).
    },
  };
}
