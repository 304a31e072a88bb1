// The trucks of the failover test: an MQTT client that publishes positions and DM1 snapshots at QoS 1, the way a
// truck does, and counts what the broker acknowledged (PUBACK) — the "acked" column of the failover ledger.
import mqtt, { type MqttClient } from 'mqtt';
import { deviceTopic } from '../../core/topics.ts';
import type { TestServices } from '../harness/context.ts';

export interface FleetPublisher {
  /** Publishes one message at QoS 1; resolves once the broker acknowledged it. */
  publish(vin: string, channel: 'position' | 'dm1', payload: object): Promise<void>;
  close(): Promise<void>;
}

export async function connectFleet(services: TestServices, clientId: string): Promise<FleetPublisher> {
  const client: MqttClient = await mqtt.connectAsync(services.mqttUrl, {
    clientId, clean: true, protocolVersion: 4, reconnectPeriod: 500, log: () => undefined,
    username: services.accounts.ops.username, password: services.accounts.ops.password,
  });
  return {
    async publish(vin, channel, payload) {
      await client.publishAsync(deviceTopic(services.topicRoot, vin, channel), JSON.stringify(payload), { qos: 1 });
    },
    async close() {
      await client.endAsync();
    },
  };
}

/**
 * The position stream: `perTruck` reports of every truck, one every 10 s of device time, interleaved truck by truck.
 * Each truck's newest report is sent one place early (before its second newest), so "last received" is not
 * "newest" and the live state must pick by device time. `seq` is unique over the whole stream: InfluxDB's count of
 * distinct seq is the count of distinct positions stored.
 */
export function positionStream(vins: readonly string[], perTruck: number, base: number): Array<{ vin: string; report: Record<string, number | boolean> }> {
  const order: number[] = [];
  for (let k = 0; k < perTruck; k++) order.push(k);
  if (perTruck >= 2) [order[perTruck - 2], order[perTruck - 1]] = [order[perTruck - 1]!, order[perTruck - 2]!];
  const stream: Array<{ vin: string; report: Record<string, number | boolean> }> = [];
  for (const k of order) {
    vins.forEach((vin, t) => {
      const seq = k * vins.length + t;
      stream.push({
        vin,
        report: {
          ts: base + k * 10_000, seq, lat: 30.6 + (seq % 97) / 1000, lon: 114.3 + (seq % 89) / 1000, speedKmh: 40 + (seq % 30),
          heading: seq % 360, odometerKm: 100_000 + k / 10, engineHours: 3000 + k / 360, fuelPct: 50, ignition: true,
        },
      });
    });
  }
  return stream;
}

/** A red-stop DM1 snapshot (engine oil pressure low): the ingester turns its change into a critical fault event. */
export function redStopDm1(ts: number, at: { lat: number; lon: number }): object {
  return {
    ts, seq: 1, lat: at.lat, lon: at.lon,
    lamps: { mil: false, redStop: true, amberWarning: false, protect: false },
    dtcs: [{ spn: 100, fmi: 1, oc: 1 }],
  };
}
