// The gateway's one MQTT connection. `publish` resolves when the broker has acknowledged the message
// (PUBACK, QoS 1) — only then may the terminal be answered. While the broker is unreachable, or too many
// messages wait for their PUBACK, it refuses at once instead of queueing without bound: the terminal is left
// unanswered and resends (JT/T 808 terminals resend what the platform did not answer).
// The connection carries a last will: the gateway's own retained status turns `offline` when it dies.
import mqtt from 'mqtt';
import type { MqttConfig } from '../infra/config.ts';
import type { Logger } from '../infra/logger.ts';

export class PublishRefused extends Error {
  override readonly name = 'PublishRefused';
}

export interface Publisher {
  publish(topic: string, payload: string, retain?: boolean): Promise<void>;
  /** `publish` with a callback (the per-frame path: no promise per message). */
  send(topic: string, payload: string, retain: boolean, done: (err?: Error) => void): void;
  readonly connected: boolean;
  /** Resolves at the first connection to the broker. */
  whenConnected(): Promise<void>;
  inFlight(): number;
  close(): Promise<void>;
}

export function connectPublisher(config: MqttConfig, opts: {
  clientId: string;
  logger: Logger;
  /** The gateway's own retained status topic: `online` on every connect, `offline` as last will and on close. */
  statusTopic: string;
  mqttDebug?: boolean;
  maxInFlight?: number;
}): Publisher {
  const maxInFlight = opts.maxInFlight ?? 50_000;
  const client = mqtt.connect(config.url, {
    will: { topic: opts.statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
    clientId: opts.clientId,
    clean: true,
    protocolVersion: 4,
    keepalive: 30,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(opts.mqttDebug ? {} : { log: () => undefined }),
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
  });
  let pending = 0;
  // The publishes of one turn of the event loop (answers to many terminals' frames of one socket read, PUBACKs
  // of one broker read) leave in one socket write: cork at the first, uncork at the end of the turn.
  let corked: { uncork(): void } | undefined;
  const uncork = () => {
    const stream = corked;
    corked = undefined;
    stream?.uncork();
  };
  let connected: () => void;
  const firstConnect = new Promise<void>((resolve) => (connected = resolve));
  client.on('connect', () => {
    opts.logger.info({ clientId: opts.clientId }, 'connected to MQTT broker');
    client.publish(opts.statusTopic, 'online', { qos: 1, retain: true });
    connected();
  });
  client.on('offline', () => opts.logger.warn('MQTT broker unreachable'));
  client.on('error', (err) => opts.logger.warn({ err: err.message }, 'MQTT client error'));

  const qos1 = { qos: 1 as const, retain: false };
  const qos1Retained = { qos: 1 as const, retain: true };
  function send(topic: string, payload: string, retain: boolean, done: (err?: Error) => void): void {
    if (!client.connected) return done(new PublishRefused('MQTT broker not connected'));
    if (pending >= maxInFlight) return done(new PublishRefused(`${pending} publishes await their PUBACK`));
    pending++;
    if (corked === undefined && client.stream) {
      corked = client.stream;
      client.stream.cork();
      setImmediate(uncork);
    }
    client.publish(topic, payload, retain ? qos1Retained : qos1, (err) => {
      pending--;
      done(err ?? undefined);
    });
  }

  return {
    send,
    publish: (topic, payload, retain = false) =>
      new Promise<void>((resolve, reject) => send(topic, payload, retain, (err) => (err ? reject(err) : resolve()))),
    get connected() {
      return client.connected;
    },
    whenConnected: () => firstConnect,
    inFlight: () => pending,
    // A clean disconnect suppresses the last will: say `offline` first (when connected at all).
    close: async () => {
      if (client.connected) await client.publishAsync(opts.statusTopic, 'offline', { qos: 1, retain: true }).catch(() => undefined);
      await client.endAsync();
    },
  };
}
