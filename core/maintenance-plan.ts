// Maintenance plans per vehicle model: the items (engine oil and filter, fuel filters, DPF/SCR service, …), each
// with intervals by distance, engine hours and/or months — whichever comes first — an optional first-service
// interval, and the parts kit a service of the item uses (part numbers of the repair loop's parts catalog).
// The schemas are at once the validation of the admin routes and the import, the types and the API document.
import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

/** Whichever comes first; at least one of the three, each strictly positive (0 or negative is a 400). */
export const ServiceIntervalSchema = Type.Object(
  {
    km: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 2_000_000, description: 'Distance, km' })),
    hours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100_000, description: 'Engine hours' })),
    months: Type.Optional(Type.Integer({ minimum: 1, maximum: 240, description: 'Calendar months' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ServiceInterval = Static<typeof ServiceIntervalSchema>;

export const KitLineSchema = Type.Object(
  {
    partNo: Type.String({ pattern: '^[A-Za-z0-9._/-]{1,64}$', description: 'Part number of the parts catalog (core/parts-catalog.ts)' }),
    qty: Type.Integer({ minimum: 1, maximum: 1000 }),
  },
  { additionalProperties: false },
);
export type KitLine = Static<typeof KitLineSchema>;

export const LocalizedTextSchema = Type.Object(
  { zh: Type.String({ minLength: 1, maxLength: 200 }), en: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type LocalizedText = Static<typeof LocalizedTextSchema>;

export const MaintenanceItemSchema = Type.Object(
  {
    id: Id,
    name: LocalizedTextSchema,
    every: ServiceIntervalSchema,
    /** First service after the in-service date (run-in); defaults to `every`. */
    first: Type.Optional(ServiceIntervalSchema),
    kit: Type.Array(KitLineSchema, { maxItems: 50 }),
    /** Service bay hours the item takes (appointment capacity). */
    labourHours: Type.Number({ exclusiveMinimum: 0, maximum: 24 }),
  },
  { additionalProperties: false },
);
export type MaintenanceItem = Static<typeof MaintenanceItemSchema>;

export const MaintenancePlanSchema = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 100, description: 'Vehicle model the plan applies to (Vehicle.model); `*` is the fallback plan' }),
    items: Type.Array(MaintenanceItemSchema, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false, $id: 'MaintenancePlan' },
);
export type MaintenancePlan = Static<typeof MaintenancePlanSchema>;

/** Problems the schema cannot express (unique item ids); [] when the plan is sound. */
export function planProblems(plan: MaintenancePlan, field = 'body'): Array<{ field: string; message: string }> {
  const seen = new Set<string>();
  const problems: Array<{ field: string; message: string }> = [];
  plan.items.forEach((item, i) => {
    if (seen.has(item.id)) problems.push({ field: `${field}.items[${i}].id`, message: `item id ${item.id} appears twice` });
    seen.add(item.id);
  });
  return problems;
}

/** The plan of a vehicle: its model's plan, else the fallback plan `*`, else none. */
export function planFor(plans: ReadonlyMap<string, MaintenancePlan>, model: string | undefined): MaintenancePlan | undefined {
  return (model !== undefined ? plans.get(model) : undefined) ?? plans.get('*');
}

const tractorItems: MaintenanceItem[] = [
  {
    id: 'engine-oil', name: { zh: '机油及机油滤清器', en: 'Engine oil and filter' },
    every: { km: 20_000, hours: 500, months: 6 }, first: { km: 10_000, hours: 250, months: 3 },
    kit: [{ partNo: 'LUB-OIL-18', qty: 2 }, { partNo: 'FLT-OF-01', qty: 1 }], labourHours: 1,
  },
  {
    id: 'fuel-filters', name: { zh: '燃油滤清器（粗滤、精滤）', en: 'Fuel filters (primary and secondary)' },
    every: { km: 40_000, hours: 1000, months: 12 },
    kit: [{ partNo: 'FLT-FF-01', qty: 2 }], labourHours: 0.5,
  },
  {
    id: 'air-filter', name: { zh: '空气滤清器', en: 'Air filter' },
    every: { km: 60_000, months: 12 },
    kit: [{ partNo: 'FLT-AF-01', qty: 1 }], labourHours: 0.5,
  },
  {
    id: 'dpf-scr', name: { zh: 'DPF/SCR 后处理保养（国六）', en: 'DPF/SCR aftertreatment service (China VI)' },
    every: { km: 200_000, hours: 4000, months: 24 },
    kit: [{ partNo: 'AT-DPF-01', qty: 1 }, { partNo: 'AT-DEF-20', qty: 1 }], labourHours: 3,
  },
  {
    id: 'brakes', name: { zh: '制动系统检查', en: 'Brake inspection' },
    every: { km: 50_000, months: 6 },
    kit: [], labourHours: 1,
  },
  {
    id: 'transmission-oil', name: { zh: '变速箱油', en: 'Transmission oil' },
    every: { km: 150_000, months: 24 }, first: { km: 50_000, months: 12 },
    kit: [{ partNo: 'TRN-OIL-20', qty: 1 }], labourHours: 1.5,
  },
];

/** The plan that ships for the demo's models (simulators/network.ts): one plan for every model (`*`). */
export const DEFAULT_MAINTENANCE_PLANS: readonly MaintenancePlan[] = [{ model: '*', items: tractorItems }];
