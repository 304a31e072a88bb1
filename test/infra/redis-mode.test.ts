// REDIS_MODE against the server it meets: the right mix connects, a bad mix stops the process at start with one
// line. Runs in both test runs: against the standalone Redis (`npm test`) and the cluster (`npm run test:cluster`).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, readCommonConfig } from '../../infra/config.ts';
import { RedisModeError, verifyRedisMode } from '../../infra/redis.ts';
import { testServices } from '../harness/context.ts';

const services = testServices('redis-mode');
const wrongMode = services.redisMode === 'cluster' ? 'standalone' : 'cluster';
// A cluster seed list is comma-separated; standalone mode takes one URL.
const wrongUrl = wrongMode === 'standalone' ? services.redisUrl.split(',')[0]! : services.redisUrl;

describe('REDIS_MODE', () => {
  it('reads standalone by default and a seed list in cluster mode', () => {
    expect(readCommonConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisMode).toBe('standalone');
    const cluster = readCommonConfig({ REDIS_MODE: 'cluster', REDIS_URL: 'redis://127.0.0.1:7000, redis://127.0.0.1:7001' });
    expect(cluster).toMatchObject({ redisMode: 'cluster', redisUrl: 'redis://127.0.0.1:7000,redis://127.0.0.1:7001' });
    expect(() => readCommonConfig({ REDIS_MODE: 'sentinel', REDIS_URL: 'redis://h:1' })).toThrow(/^REDIS_MODE must be one of standalone, cluster/);
    expect(() => readCommonConfig({ REDIS_MODE: 'cluster', REDIS_URL: 'redis://h:1,,redis://h:2' })).toThrow(ConfigError);
    expect(() => readCommonConfig({ REDIS_URL: 'redis://h:1,redis://h:2' })).toThrow(ConfigError);
  });

  it('accepts the mode of the server it meets', async () => {
    await expect(verifyRedisMode(services)).resolves.toBeUndefined();
  });

  it(`refuses ${wrongMode} mode against this server`, async () => {
    await expect(verifyRedisMode({ redisMode: wrongMode, redisUrl: wrongUrl })).rejects.toThrow(RedisModeError);
  });

  it('a process started with the wrong mode stops with one line and exit code 3', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'dispatcher/main.ts'], {
      env: services.env({ REDIS_MODE: wrongMode, REDIS_URL: wrongUrl }),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(3);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^dispatcher: refusing to start: REDIS_MODE=${wrongMode} but redis://127\\.0\\.0\\.1:\\d+ is a`));
  });
});
