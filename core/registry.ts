// The service network and its customers: schemas that are at once validation, TypeScript types and
// API documentation. Redis is the system of record (see infra/registry-store.ts).
import { Type, type Static } from '@sinclair/typebox';
import { VIN_PATTERN } from './vin.ts';

export const CAPABILITIES = ['heavy-duty', 'engine', 'electrical', 'aftertreatment', 'tyre', 'transmission', 'brakes'] as const;
export type Capability = (typeof CAPABILITIES)[number];
export const CapabilitySchema = Type.Union(CAPABILITIES.map((c) => Type.Literal(c)));

/** Parts categories a station or depot stocks and a fault may need. */
export const PARTS_CATEGORIES = [
  'engine', 'fuel', 'cooling', 'electrical', 'aftertreatment', 'tyre', 'transmission', 'brakes', 'filters', 'lubricants',
] as const;
export type PartsCategory = (typeof PARTS_CATEGORIES)[number];
export const PartsCategorySchema = Type.Union(PARTS_CATEGORIES.map((c) => Type.Literal(c)));

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Stable identifier chosen by the importer' });
/** GB/T 2260 administrative division code: province XX0000, prefecture XXXX00. */
export const RegionCodeSchema = Type.String({ pattern: '^[1-8][0-9]{3}00$', description: 'GB/T 2260 code (province or prefecture)' });
const Lat = Type.Number({ minimum: -90, maximum: 90 });
const Lon = Type.Number({ minimum: -180, maximum: 180 });
const Phone = Type.String({ pattern: '^\\+?[0-9 ()-]{5,20}$' });
const Email = Type.String({ format: 'email', maxLength: 254 });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

/** `24h`, or daily opening hours in China Standard Time, e.g. `08:00-20:00` (may cross midnight). */
export const OpeningHoursSchema = Type.String({ pattern: '^(24h|([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9])$' });

export const CustomerSchema = Type.Object(
  {
    id: Id,
    name: Text(200),
    contactName: Type.Optional(Text(200)),
    contactPhone: Type.Optional(Phone),
    contactEmail: Type.Optional(Email),
    webhookUrl: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 })),
    webhookSecret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })),
    leadAdvisorId: Type.Optional(Id),
    active: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, $id: 'Customer' },
);
export type Customer = Static<typeof CustomerSchema>;

export const VehicleSchema = Type.Object(
  {
    vin: Type.String({ pattern: VIN_PATTERN, description: 'ISO 3779 VIN with valid check digit' }),
    customerId: Id,
    plate: Type.Optional(Text(20)),
    model: Type.Optional(Text(100)),
    inServiceDate: Type.Optional(Type.String({ format: 'date' })),
    homeRegion: Type.Optional(RegionCodeSchema),
    active: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, $id: 'Vehicle' },
);
export type Vehicle = Static<typeof VehicleSchema>;

export const StationSchema = Type.Object(
  {
    id: Id,
    name: Text(200),
    lat: Lat,
    lon: Lon,
    region: RegionCodeSchema,
    address: Type.Optional(Text(500)),
    phone: Type.Optional(Phone),
    hours: OpeningHoursSchema,
    capabilities: Type.Array(CapabilitySchema, { uniqueItems: true, maxItems: CAPABILITIES.length }),
    vans: Type.Integer({ minimum: 0, maximum: 100, description: 'Rescue vans' }),
    rating: Type.Number({ minimum: 0, maximum: 5, description: 'Quality rating 0–5' }),
    partsCategories: Type.Array(PartsCategorySchema, { uniqueItems: true, maxItems: PARTS_CATEGORIES.length }),
    mobilisationMin: Type.Optional(Type.Number({ minimum: 0, maximum: 240, description: 'Minutes from accept to van rolling; default 15' })),
    closed: Type.Optional(Type.Boolean({ description: 'Closed by the station itself for now (whatever its hours): dispatch offers it nothing' })),
    serviceBays: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'Workshop bays for service appointments; daily capacity = bays × opening hours (default DEFAULT_SERVICE_BAYS)' })),
    active: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, $id: 'Station' },
);
export type Station = Static<typeof StationSchema>;

export const DepotSchema = Type.Object(
  {
    id: Id,
    name: Text(200),
    lat: Lat,
    lon: Lon,
    region: RegionCodeSchema,
    partsCategories: Type.Array(PartsCategorySchema, { uniqueItems: true, maxItems: PARTS_CATEGORIES.length }),
    active: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, $id: 'Depot' },
);
export type Depot = Static<typeof DepotSchema>;

export const AdvisorSchema = Type.Object(
  {
    id: Id,
    name: Text(200),
    phone: Type.Optional(Phone),
    email: Type.Optional(Email),
    region: Type.Optional(RegionCodeSchema),
    active: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, $id: 'Advisor' },
);
export type Advisor = Static<typeof AdvisorSchema>;

/** Fixed point + advisor of one customer in one region. */
export const AssignmentSchema = Type.Object(
  {
    region: RegionCodeSchema,
    stationId: Id,
    advisorId: Id,
    assignedAt: Type.String({ format: 'date-time' }),
    assignedBy: Text(200),
    reason: Type.Optional(Text(1000)),
  },
  { additionalProperties: false },
);
export type Assignment = Static<typeof AssignmentSchema>;

export interface RegistryKinds {
  customer: Customer;
  vehicle: Vehicle;
  station: Station;
  depot: Depot;
  advisor: Advisor;
}
export type RegistryKind = keyof RegistryKinds;
export const REGISTRY_KINDS: readonly RegistryKind[] = ['customer', 'vehicle', 'station', 'depot', 'advisor'];

export const REGISTRY_SCHEMAS = {
  customer: CustomerSchema,
  vehicle: VehicleSchema,
  station: StationSchema,
  depot: DepotSchema,
  advisor: AdvisorSchema,
} as const;

export function registryId<K extends RegistryKind>(kind: K, entity: RegistryKinds[K]): string {
  return kind === 'vehicle' ? (entity as Vehicle).vin : (entity as { id: string }).id;
}
