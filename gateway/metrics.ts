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
  const metrics = {
    registry,
    frames: new Counter({ name: 'jt808_messages_total', help: 'Messages accepted, by message id (hex)', labelNames: ['message'], registers: [registry] }),
    rejected: new Counter({ name: 'jt808_rejected_total', help: 'Frames, messages and connections refused, by reason', labelNames: ['reason'], registers: [registry] }),
    closed: new Counter({ name: 'jt808_connections_closed_total', help: 'Connections closed, by reason', labelNames: ['reason'], registers: [registry] }),
    published: new Counter({ name: 'jt808_published_total', help: 'MQTT messages acknowledged by the broker, by channel', labelNames: ['channel'], registers: [registry] }),
    resendRequests: new Counter({ name: 'jt808_resend_requests_total', help: 'Re-send requests (0x8003) sent for incomplete sub-packaged messages', registers: [registry] }),
    records: new Counter({ name: 'jt808_position_records_total', help: 'Location records published', registers: [registry] }),
    connections: new Gauge({ name: 'jt808_connections', help: 'Open TCP connections', registers: [registry], collect() { this.set(read.connections()); } }),
    terminals: new Gauge({ name: 'jt808_authenticated_terminals', help: 'Authenticated terminals', registers: [registry], collect() { this.set(read.terminals()); } }),
    inFlight: new Gauge({ name: 'jt808_publishes_in_flight', help: 'Publishes awaiting their PUBACK', registers: [registry], collect() { this.set(read.inFlight()); } }),
  };
  for (const reason of REJECTION_REASONS) metrics.rejected.inc({ reason }, 0);
  for (const reason of CLOSE_REASONS) metrics.closed.inc({ reason }, 0);
  // Label children resolved once: a labelled inc() hashes its labels on every call, and these run per frame.
  const byMessage = new Map<number, { inc(): void }>();
  const byChannel = new Map<string, { inc(): void }>();
  return {
    ...metrics,
    accepted(messageId: number): void {
      let child = byMessage.get(messageId);
      if (!child) byMessage.set(messageId, (child = metrics.frames.labels(`0x${messageId.toString(16).padStart(4, '0')}`)));
      child.inc();
    },
    publishedTo(channel: string): void {
      let child = byChannel.get(channel);
      if (!child) byChannel.set(channel, (child = metrics.published.labels(channel)));
      child.inc();
    },
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
