// A repaired rescue case as a service of the vehicle's maintenance plan. The mapping is by parts: an item counts as
// serviced when the case consumed its whole kit (every kit line, at least the kit's quantity) — the station changed
// the oil and its filter, so the oil cycle restarts; a case that used only an oil filter restarts nothing. Items
// whose kit is empty (an inspection) never count from a repair, and the repair's consumed parts are judged as a
// whole, so two items sharing a part both count when the whole of each kit was used. Pure.
import type { MaintenancePlan } from './maintenance-plan.ts';

/** The service record of a repaired case: one per case, whoever records it and however often. */
export function caseServiceId(caseId: string): string {
  return `svc-case-${caseId}`;
}

/** Plan items whose whole kit is among the consumed parts (quantities summed per part number). */
export function itemsServicedByParts(plan: MaintenancePlan | undefined, consumed: ReadonlyArray<{ partNo: string; qty: number }>): string[] {
  const used = new Map<string, number>();
  for (const p of consumed) used.set(p.partNo, (used.get(p.partNo) ?? 0) + p.qty);
  return (plan?.items ?? [])
    .filter((item) => item.kit.length > 0 && item.kit.every((line) => (used.get(line.partNo) ?? 0) >= line.qty))
    .map((item) => item.id);
}
