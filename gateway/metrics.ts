// Prometheus metrics of the gateway (its own registry, served with /health on JT808_METRICS_PORT).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Why a frame, a message or a connection was refused; every one is counted under its reason. */
export const REJECTION_REASONS = [
  'garbage', 'oversized', 'bad_escape', 'bad_checksum', 'truncated', 'length_mismatch', 'bad_phone', 'bad_subpackage',
  'phone_mismatch', 'encrypted', 'bad_body', 'unauthenticated', 'unknown_message', 'subpackage_too_large',
  'subpackage_overflow', 'subpackage_timeout', 'bam_bad_announce', 'bam_out_of_order', 'bam_too_many', 'bam_orphan_packet',
  'bam_timeout', 'register_refused', 'auth_failed', 'broker_unavailable', 'connection_limit_address', 'connection_limit_total',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const CLOSE_REASONS = ['peer', 'idle', 'auth_timeout', 'abusive', 'replaced', 'logout', 'shutdown', 'socket_error'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

export function createGatewayMetrics(read: { connections: () => number; terminals: () => number; inFlight: () => number }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'jt808_' });
  // Per-frame counts are plain numbers, added to the Prometheus counters when scraped: a counter's inc() costs
  // more than the count itself, and these run several times per location frame.
  const acceptedById = new Map<number, number>();
  const publishedByChannel = new Map<string, number>();
  let records = 0;
  const metrics = {
    registry,
    frames: new Counter({
      name: 'jt808_messages_total', help: 'Messages accepted, by message id (hex)', labelNames: ['message'], registers: [registry],
      collect() {
        for (const [id, n] of acceptedById) if (n > 0) this.inc({ message: `0x${id.toString(16).padStart(4, '0')}` }, n);
        acceptedById.clear();
      },
    }),
    rejected: new Counter({ name: 'jt808_rejected_total', help: 'Frames, messages and connections refused, by reason', labelNames: ['reason'], registers: [registry] }),
    closed: new Counter({ name: 'jt808_connections_closed_total', help: 'Connections closed, by reason', labelNames: ['reason'], registers: [registry] }),
    published: new Counter({
      name: 'jt808_published_total', help: 'MQTT messages acknowledged by the broker, by channel', labelNames: ['channel'], registers: [registry],
      collect() {
        for (const [channel, n] of publishedByChannel) if (n > 0) this.inc({ channel }, n);
        publishedByChannel.clear();
      },
    }),
    resendRequests: new Counter({ name: 'jt808_resend_requests_total', help: 'Re-send requests (0x8003) sent for incomplete sub-packaged messages', registers: [registry] }),
    records: new Counter({
      name: 'jt808_position_records_total', help: 'Location records published', registers: [registry],
      collect() {
        if (records > 0) this.inc(records);
        records = 0;
      },
    }),
    connections: new Gauge({ name: 'jt808_connections', help: 'Open TCP connections', registers: [registry], collect() { this.set(read.connections()); } }),
    terminals: new Gauge({ name: 'jt808_authenticated_terminals', help: 'Authenticated terminals', registers: [registry], collect() { this.set(read.terminals()); } }),
    inFlight: new Gauge({ name: 'jt808_publishes_in_flight', help: 'Publishes awaiting their PUBACK', registers: [registry], collect() { this.set(read.inFlight()); } }),
  };
  for (const reason of REJECTION_REASONS) metrics.rejected.inc({ reason }, 0);
  for (const reason of CLOSE_REASONS) metrics.closed.inc({ reason }, 0);
  return {
    ...metrics,
    accepted(messageId: number): void {
      acceptedById.set(messageId, (acceptedById.get(messageId) ?? 0) + 1);
    },
    publishedTo(channel: string): void {
      publishedByChannel.set(channel, (publishedByChannel.get(channel) ?? 0) + 1);
    },
    recordsPublished(n: number): void {
      records += n;
    },
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
