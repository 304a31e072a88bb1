// The warranty of a vehicle when a case opens: its model's policy (or the default) against its in-service date
// and live odometer.
import { chinaDate } from '../core/working-calendar.ts';
import { DEFAULT_WARRANTY_POLICY, warrantyStatus, type WarrantyStatus } from '../core/warranty.ts';
import type { Vehicle } from '../core/registry.ts';
import type { RepairSettingsStore } from '../infra/repair-settings-store.ts';

export function createWarrantyCheck(deps: { settings: Pick<RepairSettingsStore, 'warrantyPolicy'> }) {
  return async function check(vehicle: Pick<Vehicle, 'inServiceDate' | 'model'>, odometerKm: number | undefined, at: Date): Promise<WarrantyStatus> {
    const policy = (vehicle.model ? await deps.settings.warrantyPolicy(vehicle.model) : undefined) ?? DEFAULT_WARRANTY_POLICY;
    return warrantyStatus(vehicle, odometerKm, policy, chinaDate(at));
  };
}

export type WarrantyCheck = ReturnType<typeof createWarrantyCheck>;
