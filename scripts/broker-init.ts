// One-shot broker set-up for docker-compose: writes the ingester and ops accounts into the Mosquitto
// password file (keeping any truck accounts already there) and (re)writes the ACL.
// Env: BROKER_CONFIG_DIR, MQTT_TOPIC_ROOT (default fleet/v1), MQTT_INGESTER_PASSWORD, MQTT_OPS_PASSWORD,
// MQTT_INGESTER_USERNAME (default ingester), MQTT_OPS_USERNAME (default ops), MQTT_API_USERNAME (default api) +
// MQTT_API_PASSWORD (the API's health-check connection; it has no read or write rights), MQTT_GATEWAY_USERNAME
// (default gateway) + MQTT_GATEWAY_PASSWORD (the JT/T 808 gateway: publishes device channels for any VIN;
// the account is created only when the password is set).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { optionalString, readMqttTopicRoot, requireString } from '../infra/config.ts';
import { mosquittoAcl, mosquittoPasswordLine } from '../infra/mosquitto-auth.ts';
import { runMain } from '../infra/run-main.ts';

runMain('broker-init', async () => {
  const env = process.env;
  const dir = requireString(env, 'BROKER_CONFIG_DIR');
  const topicRoot = readMqttTopicRoot(env);
  const ingester = { username: requireString(env, 'MQTT_INGESTER_USERNAME', 'ingester'), password: requireString(env, 'MQTT_INGESTER_PASSWORD') };
  const ops = { username: requireString(env, 'MQTT_OPS_USERNAME', 'ops'), password: requireString(env, 'MQTT_OPS_PASSWORD') };
  const api = { username: requireString(env, 'MQTT_API_USERNAME', 'api'), password: requireString(env, 'MQTT_API_PASSWORD') };
  const gatewayPassword = optionalString(env, 'MQTT_GATEWAY_PASSWORD');
  const gateway = gatewayPassword === undefined ? undefined : { username: requireString(env, 'MQTT_GATEWAY_USERNAME', 'gateway'), password: gatewayPassword };
  const services = [ingester, ops, api, ...(gateway ? [gateway] : [])];
  const passwordFile = join(dir, 'passwd');
  const kept = (existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8') : '')
    .split('\n')
    .filter((line) => line && !services.some((a) => a.username === line.split(':')[0]));
  const lines = [...kept, ...services.map((a) => mosquittoPasswordLine(a.username, a.password))];
  writeFileSync(passwordFile, lines.join('\n') + '\n', { mode: 0o600 });
  writeFileSync(join(dir, 'acl'), mosquittoAcl(topicRoot, { ingester: ingester.username, ops: ops.username, ...(gateway ? { gateway: gateway.username } : {}) }));
  process.stdout.write(`broker-init: ${lines.length} accounts in ${passwordFile}, ACL for ${topicRoot}\n`);
});
