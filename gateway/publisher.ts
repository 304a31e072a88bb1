// The gateway's one MQTT connection. `publish` resolves when the broker has acknowledged the message
// (PUBACK, QoS 1) — only then may the terminal be answered. While the broker is unreachable, or too many
// messages wait for their PUBACK, it refuses at once instead of queueing without bound: the terminal is left
// unanswered and resends (JT/T 808 terminals resend what the platform did not answer).
import mqtt from 'mqtt';
import type { MqttConfig } from '../infra/config.ts';
import type { Logger } from '../infra/logger.ts';

export class PublishRefused extends Error {
  override readonly name = 'PublishRefused';
}

export interface Publisher {
  publish(topic: string, payload: string, retain?: boolean): Promise<void>;
  readonly connected: boolean;
  inFlight(): number;
  close(): Promise<void>;
}

export function connectPublisher(config: MqttConfig, opts: { clientId: string; logger: Logger; mqttDebug?: boolean; maxInFlight?: number }): Publisher {
  const maxInFlight = opts.maxInFlight ?? 50_000;
  const client = mqtt.connect(config.url, {
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
  client.on('connect', () => opts.logger.info({ clientId: opts.clientId }, 'connected to MQTT broker'));
  client.on('offline', () => opts.logger.warn('MQTT broker unreachable'));
  client.on('error', (err) => opts.logger.warn({ err: err.message }, 'MQTT client error'));

  return {
    publish(topic, payload, retain = false) {
      if (!client.connected) return Promise.reject(new PublishRefused('MQTT broker not connected'));
      if (pending >= maxInFlight) return Promise.reject(new PublishRefused(`${pending} publishes await their PUBACK`));
      pending++;
      return new Promise<void>((resolve, reject) => {
        client.publish(topic, payload, { qos: 1, retain }, (err) => {
          pending--;
          if (err) reject(err);
          else resolve();
        });
      });
    },
    get connected() {
      return client.connected;
    },
    inFlight: () => pending,
    close: () => client.endAsync(),
  };
}
