// Rescue dispatch settings, read once by the processes that open or steer cases (dispatcher, API).
import { ConfigError, deepFreeze, requireInt, requireNumber, type Env } from './config.ts';

export interface RescueConfig {
  /** Seconds a station has to answer an offer before the next candidate gets it. */
  readonly offerTimeoutS: number;
  /** Seconds from the report by which a rescue must be launched. */
  readonly launchWindowS: number;
  /** Escalate when less than this many seconds of the launch window remain without a launch. */
  readonly escalateBeforeS: number;
  /** Seconds from the report by which the truck must be repaired. */
  readonly repairWindowS: number;
  /** Warn the advisor and agents when this many seconds of the repair window remain. */
  readonly repairWarningBeforeS: number;
  readonly roadCircuity: number;
  /** A fixed-point station is offered first when its ETA is within this many minutes of the best. */
  readonly fixedPointMarginMin: number;
  /** Stations farther than this (great circle) are never candidates. */
  readonly maxDistanceKm: number;
  /** A telematics-opened case whose truck is still driving this long after the report is flagged. */
  readonly drivingCheckS: number;
  /** Speed above which the truck counts as driving normally. */
  readonly drivingSpeedKmh: number;
}

export function readRescueConfig(env: Env): RescueConfig {
  const launchWindowS = requireInt(env, 'RESCUE_LAUNCH_WINDOW_S', { fallback: 900, min: 1, max: 86_400 });
  const escalateBeforeS = requireInt(env, 'ESCALATE_BEFORE_S', { fallback: 300, min: 0, max: 86_400 });
  if (escalateBeforeS >= launchWindowS) {
    throw new ConfigError('ESCALATE_BEFORE_S', `must be less than RESCUE_LAUNCH_WINDOW_S (${escalateBeforeS} ≥ ${launchWindowS})`);
  }
  const repairWindowS = requireInt(env, 'REPAIR_WINDOW_S', { fallback: 86_400, min: 60, max: 30 * 86_400 });
  const repairWarningBeforeS = requireInt(env, 'REPAIR_WARNING_BEFORE_S', { fallback: 4 * 3600, min: 0, max: 30 * 86_400 });
  if (repairWarningBeforeS >= repairWindowS) {
    throw new ConfigError('REPAIR_WARNING_BEFORE_S', `must be less than REPAIR_WINDOW_S (${repairWarningBeforeS} ≥ ${repairWindowS})`);
  }
  return deepFreeze({
    offerTimeoutS: requireInt(env, 'STATION_OFFER_TIMEOUT_S', { fallback: 180, min: 1, max: 3600 }),
    launchWindowS,
    escalateBeforeS,
    repairWindowS,
    repairWarningBeforeS,
    roadCircuity: requireNumber(env, 'ROAD_CIRCUITY', { fallback: 1.3, min: 1, max: 5 }),
    fixedPointMarginMin: requireNumber(env, 'FIXED_POINT_MARGIN_MIN', { fallback: 10, min: 0, max: 240 }),
    maxDistanceKm: requireNumber(env, 'RESCUE_MAX_DISTANCE_KM', { fallback: 500, min: 1, max: 5000 }),
    drivingCheckS: requireInt(env, 'DRIVING_CHECK_S', { fallback: 600, min: 1, max: 86_400 }),
    drivingSpeedKmh: requireNumber(env, 'DRIVING_SPEED_KMH', { fallback: 20, min: 1, max: 200 }),
  });
}
