// Settings of the repair half of a case (parts couriers, follow-up calls, complaints), read once by the
// processes that use them (API, dispatcher). The repair window and its warning are in rescue-config.ts.
import { deepFreeze, requireInt, requireNumber, type Env } from './config.ts';

export interface RepairConfig {
  /** Average road speed of a depot's parts courier (km/h); distance as the van ETA (great circle × ROAD_CIRCUITY). */
  readonly courierKmh: number;
  /** Minutes from a depot's reservation to its courier leaving (picking, packing). */
  readonly courierHandlingMin: number;
  /** Seconds from a repair to the due time of its follow-up call (回访). */
  readonly followUpDelayS: number;
  /** Working days within which a complaint must be answered (Chinese working calendar). */
  readonly complaintAnswerWorkingDays: number;
  /** A parts hold no case lists is released by the sweep after this many seconds (a crash between hold and commit). */
  readonly partsReconcileGraceS: number;
}

export function readRepairConfig(env: Env): RepairConfig {
  return deepFreeze({
    // The upper bound leaves room for time-compressed simulations (the scenario runner scales the speed).
    courierKmh: requireNumber(env, 'PARTS_COURIER_KMH', { fallback: 60, min: 5, max: 100_000 }),
    courierHandlingMin: requireNumber(env, 'PARTS_COURIER_HANDLING_MIN', { fallback: 30, min: 0, max: 24 * 60 }),
    followUpDelayS: requireInt(env, 'FOLLOW_UP_DELAY_S', { fallback: 3 * 86_400, min: 0, max: 90 * 86_400 }),
    complaintAnswerWorkingDays: requireInt(env, 'COMPLAINT_ANSWER_WORKING_DAYS', { fallback: 2, min: 1, max: 30 }),
    partsReconcileGraceS: requireInt(env, 'PARTS_RECONCILE_GRACE_S', { fallback: 120, min: 5, max: 86_400 }),
  });
}
