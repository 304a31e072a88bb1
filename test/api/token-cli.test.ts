// `npm run token` prints a token the API accepts, with the claims operators asked for.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../infra/jwt.ts';
import { TEST_JWT } from './app-harness.ts';

function tokenCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('npm run token', () => {
  it('prints a station token the API verifies, and refuses a station token without --station', async () => {
    const [ok, missing] = await Promise.all([
      tokenCli(['--role', 'station', '--station', 'ST0001', '--ttl', '1h'], { JWT_SECRET: TEST_JWT.secret }),
      tokenCli(['--role', 'station'], { JWT_SECRET: TEST_JWT.secret }),
    ]);
    expect(ok.code, ok.err).toBe(0);
    const caller = await (await createTokenVerifier(TEST_JWT)).verify(ok.out.trim());
    expect(caller).toEqual({ sub: 'station:ST0001', role: 'station', stationId: 'ST0001' });
    expect(missing.code).toBe(64);
    expect(missing.err).toContain('needs the claim stationId');
  });
});
