// Warranty: a policy per vehicle model (default 3 years or 1,000,000 km from the in-service date, whichever comes
// first) checked against the live odometer when a case opens. Pure; the policy table is admin data
// (PUT /v1/warranty-policies/{model}), the odometer comes from the vehicle's live state.
import { Type, type Static } from '@sinclair/typebox';

export const WarrantyPolicySchema = Type.Object(
  {
    years: Type.Integer({ minimum: 0, maximum: 20 }),
    km: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
  },
  { additionalProperties: false, $id: 'WarrantyPolicy' },
);
export type WarrantyPolicy = Static<typeof WarrantyPolicySchema>;

export const DEFAULT_WARRANTY_POLICY: WarrantyPolicy = Object.freeze({ years: 3, km: 1_000_000 });

export type WarrantyReason = 'within_policy' | 'expired_age' | 'expired_km' | 'unknown_in_service_date';

export interface WarrantyStatus {
  readonly covered: boolean;
  readonly reason: WarrantyReason;
  /** Last day of cover by age (YYYY-MM-DD); absent when the in-service date is unknown. */
  readonly expiresOn?: string;
  /** Kilometres of cover left (0 when exhausted); absent when the odometer is unknown. */
  readonly kmLeft?: number;
  readonly policy: WarrantyPolicy;
  readonly odometerKm?: number;
}

function addYears(isoDate: string, years: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  // The day before the anniversary; 29 Feb rolls to 28 Feb in non-leap years.
  const anniversary = new Date(Date.UTC(y + years, m - 1, d));
  if (anniversary.getUTCMonth() !== m - 1) anniversary.setUTCDate(0);
  else anniversary.setUTCDate(anniversary.getUTCDate() - 1);
  return anniversary.toISOString().slice(0, 10);
}

/** `today` is the case's report date in China (YYYY-MM-DD). */
export function warrantyStatus(vehicle: { inServiceDate?: string | undefined }, odometerKm: number | undefined, policy: WarrantyPolicy, today: string): WarrantyStatus {
  const kmLeft = odometerKm === undefined ? undefined : Math.max(0, Math.round(policy.km - odometerKm));
  const base = { policy, ...(odometerKm !== undefined ? { odometerKm: Math.round(odometerKm) } : {}), ...(kmLeft !== undefined ? { kmLeft } : {}) };
  if (!vehicle.inServiceDate) return { covered: false, reason: 'unknown_in_service_date', ...base };
  const expiresOn = addYears(vehicle.inServiceDate, policy.years);
  if (today > expiresOn) return { covered: false, reason: 'expired_age', expiresOn, ...base };
  if (kmLeft !== undefined && kmLeft <= 0) return { covered: false, reason: 'expired_km', expiresOn, ...base };
  return { covered: true, reason: 'within_policy', expiresOn, ...base };
}

/** A known out-of-warranty repair needs an approved quote before it starts. */
export function needsApprovedQuote(w: WarrantyStatus | undefined): boolean {
  return w !== undefined && (w.reason === 'expired_age' || w.reason === 'expired_km');
}
