import { pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * Mosquitto 2.x password-file line for one account (`user:$7$101$salt$hash`, PBKDF2-HMAC-SHA512,
 * 101 iterations, 12-byte salt), written without spawning `mosquitto_passwd` once per truck.
 */
export function mosquittoPasswordLine(username: string, password: string, salt: Buffer = randomBytes(12)): string {
  if (username.includes(':') || /\s/.test(username)) throw new Error(`invalid MQTT username "${username}"`);
  const hash = pbkdf2Sync(password, salt, 101, 64, 'sha512');
  return `${username}:$7$101$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Device channels the JT/T 808 gateway publishes for any VIN (docs/protocol.md, docs/jt808.md). */
export const GATEWAY_CHANNELS = ['position', 'dm1', 'status', 'alarm'] as const;

/**
 * The broker's access rules, the same for the local stack, the tests and docker-compose:
 * a truck (username = VIN) may publish only below its own VIN and read nothing; ingester accounts read the
 * whole device tree (also through shared subscriptions); gateway accounts publish the device channels of any
 * VIN and their own status and read nothing; the ops account may do anything. No account but a gateway account (or
 * ops) writes below `{root}/gateway/`: the trucks' pattern would give an account named `gateway` every gateway's
 * status, so a pattern `deny` covers that namespace (Mosquitto checks an account's own rules before the patterns,
 * and a deny among the patterns before their grants). Several ingester
 * accounts (one per instance) are needed where the broker binds client id to username
 * (`use_username_as_clientid`, which blocks client-id takeover between trucks).
 */
export function mosquittoAcl(topicRoot: string, accounts: { ingester: string | readonly string[]; ops: string; gateway?: string | readonly string[] }): string {
  const ingesters = typeof accounts.ingester === 'string' ? [accounts.ingester] : accounts.ingester;
  const gateways = accounts.gateway === undefined ? [] : typeof accounts.gateway === 'string' ? [accounts.gateway] : accounts.gateway;
  return [
    ...ingesters.flatMap((name) => [`user ${name}`, `topic read ${topicRoot}/#`, `topic read $share/+/${topicRoot}/#`, '']),
    ...gateways.flatMap((name) => [
      `user ${name}`, ...GATEWAY_CHANNELS.map((channel) => `topic write ${topicRoot}/+/${channel}`),
      // The gateway process's own retained status (its last will), core/topics.ts gatewayStatusTopic.
      `topic write ${topicRoot}/gateway/+/status`, '',
    ]),
    `user ${accounts.ops}`,
    'topic readwrite #',
    '',
    '# every other account is a truck: write its own subtree, read nothing; never the gateways\' namespace',
    '# (an account named `gateway` would otherwise write every gateway\'s status)',
    `pattern deny ${topicRoot}/gateway/#`,
    `pattern write ${topicRoot}/%u/#`,
    '',
  ].join('\n');
}
