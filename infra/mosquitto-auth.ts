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

/**
 * The broker's access rules, the same for the local stack, the tests and docker-compose:
 * a truck (username = VIN) may publish only below its own VIN and read nothing; ingester accounts read the
 * whole device tree (also through shared subscriptions); the ops account may do anything. Several ingester
 * accounts (one per instance) are needed where the broker binds client id to username
 * (`use_username_as_clientid`, which blocks client-id takeover between trucks).
 */
export function mosquittoAcl(topicRoot: string, accounts: { ingester: string | readonly string[]; ops: string }): string {
  const ingesters = typeof accounts.ingester === 'string' ? [accounts.ingester] : accounts.ingester;
  return [
    ...ingesters.flatMap((name) => [`user ${name}`, `topic read ${topicRoot}/#`, `topic read $share/+/${topicRoot}/#`, '']),
    `user ${accounts.ops}`,
    'topic readwrite #',
    '',
    '# every other account is a truck: write its own subtree, read nothing',
    `pattern write ${topicRoot}/%u/#`,
    '',
  ].join('\n');
}
