import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../infra/config.ts';
import { readRescueConfig } from '../../infra/rescue-config.ts';
import { readDispatcherConfig } from '../../dispatcher/config.ts';

const base = { REDIS_URL: 'redis://127.0.0.1:6379' };

describe('dispatcher configuration', () => {
  it('has the documented defaults', () => {
    const c = readDispatcherConfig(base);
    expect(c.rescue).toMatchObject({ offerTimeoutS: 180, launchWindowS: 900, escalateBeforeS: 300, repairWindowS: 86_400, roadCircuity: 1.3 });
    expect(c.concurrency).toBe(16);
    expect(Object.isFrozen(c.rescue)).toBe(true);
  });

  it('names the variable of every bad value', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ STATION_OFFER_TIMEOUT_S: 'soon' }, /^STATION_OFFER_TIMEOUT_S must be an integer/],
      [{ RESCUE_LAUNCH_WINDOW_S: '0' }, /^RESCUE_LAUNCH_WINDOW_S must be ≥ 1/],
      [{ RESCUE_LAUNCH_WINDOW_S: '300', ESCALATE_BEFORE_S: '300' }, /^ESCALATE_BEFORE_S must be less than RESCUE_LAUNCH_WINDOW_S/],
      [{ ROAD_CIRCUITY: '0.9' }, /^ROAD_CIRCUITY must be ≥ 1/],
      [{ FIXED_POINT_MARGIN_MIN: 'x' }, /^FIXED_POINT_MARGIN_MIN must be a number/],
    ];
    for (const [env, message] of cases) {
      expect(() => readRescueConfig(env)).toThrow(ConfigError);
      expect(() => readRescueConfig(env)).toThrow(message);
    }
    expect(() => readDispatcherConfig({ ...base, DISPATCHER_CONCURRENCY: '0' })).toThrow(/^DISPATCHER_CONCURRENCY must be ≥ 1/);
    expect(() => readDispatcherConfig({})).toThrow(/^REDIS_URL is required/);
  });

  it('the dispatcher process refuses a bad setting with one line and exit code 2', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'dispatcher/main.ts'], {
      env: { PATH: process.env.PATH ?? '', ...base, STATION_OFFER_TIMEOUT_S: 'soon' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('dispatcher: configuration error: STATION_OFFER_TIMEOUT_S must be an integer (got "soon")');
  });
});
