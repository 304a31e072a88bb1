// The parts, warranty and calendar services both the API and the dispatcher build from their clients and
// configuration (one factory, so the two processes reserve, release and judge warranty the same way).
import type { Redis } from 'ioredis';
import type { EtaModel } from '../core/eta.ts';
import type { CaseStore } from '../infra/case-store.ts';
import { createPartsStore } from '../infra/parts-store.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import { createRepairSettingsStore } from '../infra/repair-settings-store.ts';
import type { RepairConfig } from '../infra/repair-config.ts';
import { createPartsCatalog } from '../parts/catalog.ts';
import { createPartsReservations } from '../parts/reservations.ts';
import { createCaseParts } from './case-parts.ts';
import { createWarrantyCheck } from './warranty-check.ts';

export function createRepairServices(deps: {
  redis: Redis;
  prefix: string;
  registry: Pick<RegistryStore, 'get' | 'list'>;
  cases: Pick<CaseStore, 'get'>;
  etaModel: EtaModel;
  config: RepairConfig;
  now?: () => Date;
}) {
  const partsStore = createPartsStore({ redis: deps.redis, prefix: deps.prefix });
  const settings = createRepairSettingsStore({ redis: deps.redis, prefix: deps.prefix });
  const catalog = createPartsCatalog({ store: partsStore, registry: deps.registry });
  const reservations = createPartsReservations({
    store: partsStore,
    depots: () => deps.registry.list('depot'),
    categoryOf: async (partNo) => (await catalog.get(partNo))?.category,
    etaModel: deps.etaModel,
    courier: { kmh: deps.config.courierKmh, handlingMin: deps.config.courierHandlingMin },
    ...(deps.now ? { now: deps.now } : {}),
  });
  return {
    partsStore,
    settings,
    catalog,
    reservations,
    caseParts: createCaseParts({ reservations, cases: deps.cases }),
    warranty: createWarrantyCheck({ settings }),
  };
}

export type RepairServices = ReturnType<typeof createRepairServices>;
