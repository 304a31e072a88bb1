// MQTT client for consumers that must not lose QoS 1 messages: a persistent session (fixed client id,
// clean = false) and a synchronous `onMessage` that runs BEFORE mqtt.js sends the PUBACK. When `onMessage`
// throws, the message is not acknowledged (the broker redelivers it after the next reconnect).
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { MqttConfig } from './config.ts';
import type { Logger } from './logger.ts';

export type { MqttClient };

export interface DurableSubscriberOptions {
  clientId: string;
  /** Subscription filters (QoS 1), renewed on every connect. */
  filters: readonly string[];
  /** Must persist the message before returning; throwing withholds the acknowledgement. */
  onMessage: (topic: string, payload: Buffer) => void;
  onFatal: (err: Error) => void;
  logger: Logger;
  extra?: Partial<IClientOptions>;
}

export function connectDurableSubscriber(config: MqttConfig, opts: DurableSubscriberOptions): MqttClient {
  const client = mqtt.connect(config.url, {
    clientId: opts.clientId,
    clean: false,
    protocolVersion: 4,
    keepalive: 30,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    resubscribe: false,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...opts.extra,
  });
  client.handleMessage = (packet, done) => {
    try {
      opts.onMessage(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      done(error);
      opts.onFatal(error);
      return;
    }
    done();
  };
  client.on('connect', (connack) => {
    opts.logger.info({ clientId: opts.clientId, sessionPresent: connack.sessionPresent }, 'connected to MQTT broker');
    client.subscribe([...opts.filters], { qos: 1 }, (err, granted) => {
      if (err) {
        opts.logger.error({ err }, 'MQTT subscribe failed');
        return;
      }
      const refused = (granted ?? []).filter((g) => g.qos === 128);
      if (refused.length) opts.onFatal(new Error(`MQTT broker refused subscriptions: ${refused.map((g) => g.topic).join(', ')}`));
      else opts.logger.info({ filters: opts.filters }, 'subscribed');
    });
  });
  client.on('reconnect', () => opts.logger.debug('reconnecting to MQTT broker'));
  client.on('offline', () => opts.logger.warn('MQTT broker unreachable'));
  client.on('error', (err) => opts.logger.warn({ err: err.message }, 'MQTT client error'));
  return client;
}
