// Stage 1 of the pipeline: spooled MQTT messages → typed reports of known vehicles, or dead letters with a
// reason. Pure apart from the registry lookup; never throws on device input.
import { checkAlarmMessage, type AlarmMessage } from '../core/alarm.ts';
import { parseDeviceTopic, type DeviceChannel } from '../core/topics.ts';
import { isValidVin } from '../core/vin.ts';
import {
  checkDm1Message, checkPositionMessage, checkStatusMessage, parseJson, DEAD_LETTER_PAYLOAD_BYTES, MAX_FUTURE_MS, MAX_PAYLOAD_BYTES,
  type ConnectionStatusReport, type DeadLetter, type DeadLetterReason, type Dm1Report, type PositionReport,
} from '../core/telemetry.ts';
import { parsePositionFast } from './position-fast-path.ts';
import type { SpooledMessage } from './spool.ts';
import type { VehicleDirectory } from './vehicle-directory.ts';

export interface Accepted<T> {
  vin: string;
  customerId: string;
  report: T;
  receivedAt: number;
}

export interface DecodedBatch {
  positions: Array<Accepted<PositionReport>>;
  dm1s: Array<Accepted<Dm1Report>>;
  statuses: Array<Accepted<ConnectionStatusReport>>;
  alarms: Array<Accepted<AlarmMessage>>;
  deadLetters: DeadLetter[];
  /** Messages per channel (`other` = not a device topic). */
  received: Record<DeviceChannel | 'other', number>;
}

function deadLetter(msg: SpooledMessage, reason: DeadLetterReason, detail: string, vin?: string): DeadLetter {
  return {
    at: new Date(msg.receivedAt).toISOString(),
    reason,
    topic: msg.topic.slice(0, 1024),
    ...(vin !== undefined ? { vin } : {}),
    detail,
    payload: msg.payload.subarray(0, DEAD_LETTER_PAYLOAD_BYTES).toString('utf8'),
  };
}

export async function decodeBatch(
  messages: readonly SpooledMessage[],
  deps: { topicRoot: string; directory: Pick<VehicleDirectory, 'customersOf'>; now: number },
): Promise<DecodedBatch> {
  const batch: DecodedBatch = {
    positions: [], dm1s: [], statuses: [], alarms: [], deadLetters: [], received: { position: 0, dm1: 0, status: 0, alarm: 0, other: 0 },
  };
  const candidates: Array<{ msg: SpooledMessage; vin: string; channel: DeviceChannel }> = [];
  // A batch holds many messages of few topics: parse and check each topic once.
  const topics = new Map<string, { vin: string; channel: DeviceChannel; validVin: boolean } | undefined>();
  for (const msg of messages) {
    let parsed = topics.get(msg.topic);
    if (parsed === undefined && !topics.has(msg.topic)) {
      const topic = parseDeviceTopic(deps.topicRoot, msg.topic);
      parsed = topic && { ...topic, validVin: isValidVin(topic.vin) };
      topics.set(msg.topic, parsed);
    }
    if (!parsed) {
      batch.received.other += 1;
      batch.deadLetters.push(deadLetter(msg, 'unknown_topic', 'not a device topic of this deployment'));
      continue;
    }
    batch.received[parsed.channel] += 1;
    if (!parsed.validVin) {
      batch.deadLetters.push(deadLetter(msg, 'invalid_vin', 'topic does not name a valid VIN (17 characters, check digit)', parsed.vin.slice(0, 64)));
    } else if (msg.originalSize > MAX_PAYLOAD_BYTES) {
      batch.deadLetters.push(deadLetter(msg, 'oversized', `payload of ${msg.originalSize} bytes exceeds ${MAX_PAYLOAD_BYTES}`, parsed.vin));
    } else {
      candidates.push({ msg, vin: parsed.vin, channel: parsed.channel });
    }
  }
  if (candidates.length === 0) return batch;

  const customers = await deps.directory.customersOf(new Set(candidates.map((c) => c.vin)));
  for (const { msg, vin, channel } of candidates) {
    const customerId = customers.get(vin);
    if (!customerId) {
      batch.deadLetters.push(deadLetter(msg, 'unknown_vin', 'VIN is not in the vehicle registry', vin));
      continue;
    }
    if (channel === 'position') {
      // Nearly every message: one plain position, read without JSON.parse (ingest/position-fast-path.ts).
      const report = parsePositionFast(msg.payload, deps.now);
      if (report !== undefined) {
        batch.positions.push({ vin, customerId, report, receivedAt: msg.receivedAt });
        continue;
      }
    }
    const text = msg.payload.toString('utf8');
    if (channel === 'status') {
      const status = checkStatusMessage(text);
      if (status.ok) batch.statuses.push({ vin, customerId, report: status.value, receivedAt: msg.receivedAt });
      else batch.deadLetters.push(deadLetter(msg, status.reason, status.detail, vin));
      continue;
    }
    const json = parseJson(text);
    if (!json.ok) {
      batch.deadLetters.push(deadLetter(msg, json.reason, json.detail, vin));
      continue;
    }
    if (channel === 'position') {
      const records = checkPositionMessage(json.value, deps.now);
      if (!records.ok) {
        batch.deadLetters.push(deadLetter(msg, records.reason, records.detail, vin));
        continue;
      }
      for (let i = 0; i < records.value.length; i++) {
        const record = records.value[i]!;
        if (record.ok) batch.positions.push({ vin, customerId, report: record.value, receivedAt: msg.receivedAt });
        else {
          const where = records.value.length > 1 ? `record ${i}: ` : '';
          batch.deadLetters.push(deadLetter(msg, record.reason, where + record.detail, vin));
        }
      }
    } else if (channel === 'alarm') {
      const alarm = checkAlarmMessage(json.value);
      if (!alarm.ok) batch.deadLetters.push(deadLetter(msg, 'invalid_payload', alarm.detail, vin));
      else if (alarm.value.ts > deps.now + MAX_FUTURE_MS) {
        batch.deadLetters.push(deadLetter(msg, 'future_timestamp', `ts ${alarm.value.ts} is more than 24 h ahead of server time ${deps.now}`, vin));
      } else batch.alarms.push({ vin, customerId, report: alarm.value, receivedAt: msg.receivedAt });
    } else {
      const dm1 = checkDm1Message(json.value, deps.now);
      if (dm1.ok) batch.dm1s.push({ vin, customerId, report: dm1.value, receivedAt: msg.receivedAt });
      else batch.deadLetters.push(deadLetter(msg, dm1.reason, dm1.detail, vin));
    }
  }
  return batch;
}
