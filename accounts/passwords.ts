// Password policy and hashing. scrypt (Node's own, memory-hard) with a random salt; the parameters are
// written into each hash so they can be raised later without invalidating stored hashes. Verification
// compares in constant time, and an unknown username is checked against a dummy hash so that the time a
// sign-in takes does not say whether the name exists.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ValidationError } from '../core/errors.ts';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

/** N = 2^15, r = 8: 32 MiB and some tens of milliseconds per hash on a server core. */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function maxmem(N: number, r: number, p: number): number {
  return 128 * N * r * p + 1024 * 1024;
}

/** Throws a ValidationError naming the field when the password breaks the policy. */
export function checkPasswordPolicy(password: string, username: string, field = 'body.password'): void {
  const problem = (message: string) => new ValidationError(`password ${message}`, [{ field, message }]);
  if ([...password].length < PASSWORD_MIN_LENGTH) throw problem(`must have at least ${PASSWORD_MIN_LENGTH} characters`);
  if (password.length > PASSWORD_MAX_LENGTH) throw problem(`must have at most ${PASSWORD_MAX_LENGTH} characters`);
  const lower = password.toLowerCase();
  const name = username.trim().toLowerCase();
  if (name && lower.includes(name)) throw problem('must not contain the username');
  if (new Set(password).size < 4) throw problem('must use at least 4 different characters');
}

/** `scrypt$N$r$p$salt$key` (salt and key base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_LENGTH, { ...PARAMS, maxmem: maxmem(PARAMS.N, PARAMS.r, PARAMS.p) });
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** A hash no password matches, computed once: what an unknown username is checked against. */
let dummyHash: Promise<string> | undefined;

/** Whether `password` matches `stored`; with no stored hash, spends the same time and answers false. */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const hash = stored ?? (await (dummyHash ??= hashPassword(randomBytes(24).toString('base64url'))));
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (!(N > 1 && r > 0 && p > 0) || expected.length === 0) return false;
  const actual = await scryptAsync(password, salt, expected.length, { N, r, p, maxmem: maxmem(N, r, p) });
  return timingSafeEqual(actual, expected) && stored !== undefined;
}
