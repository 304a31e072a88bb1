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
 * a truck (username = VIN) may publish only below its own VIN and read nothing; the ingester account
 * reads the whole device tree (also through shared subscriptions); the ops account may do anything.
 */
export function mosquittoAcl(topicRoot: string, accounts: { ingester: string; ops: string }): string {
  return [
    `user ${accounts.ingester}`,
    `topic read ${topicRoot}/#`,
    `topic read $share/+/${topicRoot}/#`,
    '',
    `user ${accounts.ops}`,
    'topic readwrite #',
    '',
    '# every other account is a truck: write its own subtree, read nothing',
    `pattern write ${topicRoot}/%u/#`,
    '',
  ].join('\n');
}
