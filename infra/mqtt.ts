// MQTT client for consumers that must not lose QoS 1 messages: a persistent session (fixed client id,
// clean = false) and a synchronous `onMessage` that runs BEFORE mqtt.js sends the PUBACK. When `onMessage`
// throws, the message is not acknowledged (the broker redelivers it after the next reconnect).
//
// Group commit (when `flush` is given): mqtt.js handles the packets of one socket read one after another
// in the same turn of the event loop, and writes each PUBACK as soon as `onMessage` returns. Here the
// socket is corked at the first message of a turn, so those PUBACKs stay in this process; at the end of
// the turn (setImmediate) `flush` persists every message of the group with one write, and only then is the
// socket uncorked and all the PUBACKs leave together. If `flush` throws, the socket is destroyed with the
// PUBACKs still in it: none of the group is acknowledged and the broker delivers it again.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { MqttConfig } from './config.ts';
import type { Logger } from './logger.ts';

export type { MqttClient };

export interface DurableSubscriberOptions {
  clientId: string;
  /** Subscription filters (QoS 1), renewed on every connect. */
  filters: readonly string[];
  /**
   * Must persist the message before returning (or, with `flush`, stage it for the next flush); throwing
   * withholds the acknowledgement.
   */
  onMessage: (topic: string, payload: Buffer) => void;
  /** Persists every message staged by `onMessage` since the last call; acknowledgements wait for it. */
  flush?: () => void;
  onFatal: (err: Error) => void;
  logger: Logger;
  /**
   * mqtt.js's own debug logging (the `debug` package). Off unless asked for: mqtt.js calls it about 30
   * times per message, which cost ~9 % of the ingester's CPU even while disabled.
   */
  mqttDebug?: boolean;
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
    ...(opts.mqttDebug ? {} : { log: () => undefined }),
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...opts.extra,
  });
  let held: MqttClient['stream'] | undefined;
  const release = () => {
    const stream = held;
    held = undefined;
    try {
      opts.flush!();
    } catch (err) {
      stream?.destroy();
      opts.onFatal(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    stream?.uncork();
  };
  client.handleMessage = (packet, done) => {
    if (opts.flush && held === undefined) {
      held = client.stream;
      held.cork();
      setImmediate(release);
    }
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
