// Environment of the fleet simulator (read once in fleet-cli.ts).
import { readMqttTopicRoot, requireString, requireUrl, type Env } from '../infra/config.ts';

export interface FleetEnvConfig {
  readonly mqttUrl: string;
  readonly topicRoot: string;
  /** Fleet device key: each truck's MQTT password is derived from it and the VIN. */
  readonly deviceKey: string;
}

export function readFleetEnvConfig(env: Env): FleetEnvConfig {
  return {
    mqttUrl: requireUrl(env, 'MQTT_URL', ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:']),
    topicRoot: readMqttTopicRoot(env),
    deviceKey: requireString(env, 'DEVICE_KEY'),
  };
}
