// Jepsen-style set accounting for telemetry: every simulated truck publishes positions numbered by `seq`
// (QoS 1) and records which ones the broker acknowledged; after the faults heal, the stored set is read back.
//   lost        = acknowledged but not stored          (must be 0)
//   duplicated  = stored more than once                (must be 0)
//   unexpected  = stored but never published           (must be 0)
//   unacked     = published, never acknowledged (indeterminate: may or may not be stored)
import mqtt, { type MqttClient } from 'mqtt';
import { devicePassword } from '../../core/device-credentials.ts';
import { deviceTopic } from '../../core/topics.ts';
import type { TelemetryStore } from '../../infra/telemetry-store.ts';
import { influxString } from '../../infra/telemetry-store.ts';

export interface LedgerReport {
  published: number;
  acknowledged: number;
  stored: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  unacked: number;
  /** A few examples of each anomaly, for diagnosis. */
  examples: { lost: string[]; duplicated: string[]; unexpected: string[] };
  /** When each lost message was acknowledged (epoch ms): bounds a broker crash's loss window. */
  lostAckTimes: number[];
}

interface TruckLedger {
  client: MqttClient;
  published: Set<number>;
  acked: Set<number>;
  ackedAt: Map<number, number>;
  nextSeq: number;
}

/** Device time of a truck's `seq`: unique per (vin, seq), so a redelivery overwrites the same point. */
function deviceTime(base: number, seq: number): number {
  return base + seq * 1000;
}

export async function createTruckFleet(opts: {
  mqttUrl: () => string;
  topicRoot: string;
  deviceKey: string;
  vins: readonly string[];
  /** Epoch ms of seq 0 (keep it in the past so no point is "in the future"). */
  baseTime: number;
  origin: { lat: number; lon: number };
}) {
  const trucks = new Map<string, TruckLedger>();
  for (const vin of opts.vins) {
    const client = await mqtt.connectAsync(opts.mqttUrl(), {
      clientId: vin,
      username: vin,
      password: devicePassword(opts.deviceKey, vin),
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 200,
      connectTimeout: 5000,
      resubscribe: false,
    });
    trucks.set(vin, { client, published: new Set(), acked: new Set(), ackedAt: new Map(), nextSeq: 0 });
  }

  /** Publishes `count` positions from every truck (concurrently per truck, QoS 1). */
  async function publishRound(count: number): Promise<void> {
    await Promise.all(
      [...trucks].map(async ([vin, truck]) => {
        const sends: Promise<void>[] = [];
        for (let i = 0; i < count; i++) {
          const seq = truck.nextSeq++;
          truck.published.add(seq);
          const payload = JSON.stringify({
            ts: deviceTime(opts.baseTime, seq),
            seq,
            lat: opts.origin.lat + seq * 1e-5,
            lon: opts.origin.lon + seq * 1e-5,
            speedKmh: 60,
            ignition: true,
          });
          sends.push(
            new Promise<void>((resolve) => {
              truck.client.publish(deviceTopic(opts.topicRoot, vin, 'position'), payload, { qos: 1 }, (err) => {
                if (!err) {
                  truck.acked.add(seq);
                  truck.ackedAt.set(seq, Date.now());
                }
                resolve();
              });
            }),
          );
        }
        // Do not wait for acks here: during a fault they arrive after reconnection (or never).
        void Promise.all(sends);
      }),
    );
  }

  /** True once every published message has been acknowledged (the clients retry after reconnects). */
  function allAcknowledged(): boolean {
    for (const truck of trucks.values()) if (truck.acked.size < truck.published.size) return false;
    return true;
  }

  async function readBack(store: TelemetryStore): Promise<LedgerReport> {
    const report: LedgerReport = {
      published: 0, acknowledged: 0, stored: 0, lost: 0, duplicated: 0, unexpected: 0, unacked: 0,
      examples: { lost: [], duplicated: [], unexpected: [] }, lostAckTimes: [],
    };
    for (const [vin, truck] of trucks) {
      const rows = await store.query(`SELECT seq FROM position WHERE vin = ${influxString(vin)}`);
      const seen = new Map<number, number>();
      for (const row of rows) {
        const seq = Number(row.seq);
        seen.set(seq, (seen.get(seq) ?? 0) + 1);
      }
      report.published += truck.published.size;
      report.acknowledged += truck.acked.size;
      report.stored += rows.length;
      for (const seq of truck.acked) {
        if (!seen.has(seq)) {
          report.lost++;
          report.lostAckTimes.push(truck.ackedAt.get(seq)!);
          if (report.examples.lost.length < 5) report.examples.lost.push(`${vin}#${seq}`);
        }
      }
      for (const seq of truck.published) if (!truck.acked.has(seq)) report.unacked++;
      for (const [seq, times] of seen) {
        if (times > 1) {
          report.duplicated += times - 1;
          if (report.examples.duplicated.length < 5) report.examples.duplicated.push(`${vin}#${seq}×${times}`);
        }
        if (!truck.published.has(seq)) {
          report.unexpected++;
          if (report.examples.unexpected.length < 5) report.examples.unexpected.push(`${vin}#${seq}`);
        }
      }
    }
    return report;
  }

  async function close(): Promise<void> {
    await Promise.all([...trucks.values()].map((t) => t.client.endAsync(true)));
  }

  return { publishRound, allAcknowledged, readBack, close, trucks };
}
