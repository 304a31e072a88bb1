// Request and response schemas of the rescue routes (validation, types, serialization, OpenAPI).
import { Type } from '@sinclair/typebox';
import { VIN_PATTERN } from '../core/vin.ts';
import { CASE_STATUSES, DECLINE_REASONS, REPORTED_STATUSES } from '../core/rescue-case.ts';
import { RepairCaseFields, RepairStatusFields } from './repair-schemas.ts';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const CaseId = Type.String({ pattern: '^rc-[a-z0-9]+-[a-f0-9]{10}$', description: 'Rescue case id' });
const Iso = Type.String({ format: 'date-time' });
const Note = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const CaseStatusSchema = Literals(CASE_STATUSES);

const ActorSchema = Type.Object({
  kind: Type.String(),
  id: Type.String(),
  name: Type.Optional(Type.String({ description: 'Display name of the person (user account) or API key who acted' })),
  userId: Type.Optional(Type.String({ description: 'Their user id, or key:<id> of an API key' })),
});

const OfferSchema = Type.Object({
  attempt: Type.Integer(),
  stationId: Type.String(),
  offeredAt: Iso,
  expiresAt: Iso,
  etaMin: Type.Number(),
  distanceKm: Type.Number(),
  outcome: Literals(['pending', 'accepted', 'declined', 'timed_out', 'withdrawn'] as const),
  answeredAt: Type.Optional(Iso),
  reason: Type.Optional(Type.String()),
});

const CandidateDecisionSchema = Type.Object({
  stationId: Type.String(),
  distanceKm: Type.Number(),
  etaMin: Type.Number(),
  kept: Type.Boolean(),
  reason: Type.String({ description: 'ranked | fixed_point_preferred | inactive | closed | missing_capability | already_offered | no_free_van | no_vans' }),
  rank: Type.Optional(Type.Integer()),
  fixedPoint: Type.Optional(Type.Boolean()),
});

export const RescueCaseSchema = Type.Object(
  {
    id: Type.String(),
    vin: Type.String(),
    customerId: Type.String(),
    source: Literals(['telematics', 'agent', 'customer', 'advisor'] as const),
    status: CaseStatusSchema,
    reportedAt: Iso,
    reportedBy: ActorSchema,
    location: Type.Optional(Type.Object({ lat: Type.Number(), lon: Type.Number(), source: Type.String() })),
    description: Type.Optional(Type.String()),
    contactPhone: Type.Optional(Type.String()),
    faultEventIds: Type.Array(Type.String()),
    spns: Type.Array(Type.Integer()),
    systems: Type.Array(Type.String()),
    capabilities: Type.Array(Type.String()),
    partsCategories: Type.Array(Type.String()),
    launchDeadline: Iso,
    escalateAt: Iso,
    repairDeadline: Iso,
    escalated: Type.Boolean(),
    escalatedAt: Type.Optional(Iso),
    escalationReason: Type.Optional(Type.String()),
    advisorId: Type.Optional(Type.String()),
    needsConfirmation: Type.Optional(Type.Object({ at: Iso, reason: Type.String() })),
    offers: Type.Array(OfferSchema),
    launch: Type.Optional(Type.Object({
      stationId: Type.String(),
      by: ActorSchema,
      at: Iso,
      vanId: Type.Optional(Type.String()),
      technician: Type.Optional(Type.String()),
      etaMin: Type.Optional(Type.Number()),
      manual: Type.Boolean(),
    })),
    candidates: Type.Array(CandidateDecisionSchema),
    candidatesAt: Type.Optional(Iso),
    partsDepots: Type.Array(Type.Object({
      category: Type.String(),
      depotId: Type.Optional(Type.String()),
      distanceKm: Type.Optional(Type.Number()),
      etaMin: Type.Optional(Type.Number()),
    })),
    stationIds: Type.Array(Type.String()),
    slaWarnings: Type.Array(Type.String()),
    timeline: Type.Array(Type.Object({
      at: Iso,
      event: Type.String(),
      actor: ActorSchema,
      from: Type.Optional(Type.String()),
      to: Type.Optional(Type.String()),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    })),
    ...RepairCaseFields,
    version: Type.Integer(),
  },
  { $id: 'RescueCase', title: 'RescueCase' },
);

export const CaseParamsSchema = Type.Object({ id: CaseId });

export const CreateRescueSchema = Type.Object(
  {
    vin: Type.String({ pattern: VIN_PATTERN }),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    description: Type.Optional(Note(2000)),
    contactPhone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 ()-]{5,20}$' })),
  },
  { additionalProperties: false },
);

export const ListRescuesQuerySchema = Type.Object(
  {
    status: Type.Optional(CaseStatusSchema),
    customerId: Type.Optional(Id),
    vin: Type.Optional(Type.String({ pattern: VIN_PATTERN })),
    stationId: Type.Optional(Id),
    escalated: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$', description: 'The previous page\'s `nextCursor`' })),
  },
  { additionalProperties: false },
);

const LaunchFields = {
  vanId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  technician: Type.Optional(Note(200)),
  etaMin: Type.Optional(Type.Number({ minimum: 0, maximum: 24 * 60 })),
};

export const AcceptSchema = Type.Object(
  { ...LaunchFields, stationId: Type.Optional(Id) },
  { additionalProperties: false, description: 'stationId only for agents answering on behalf of a station' },
);

export const DeclineSchema = Type.Object(
  { reason: Note(500), reasonCode: Type.Optional(Literals(DECLINE_REASONS)), stationId: Type.Optional(Id) },
  { additionalProperties: false },
);

export const AssignSchema = Type.Object({ ...LaunchFields, stationId: Id, note: Type.Optional(Note(1000)) }, { additionalProperties: false });

export const StatusSchema = Type.Object(
  {
    status: Type.Union(REPORTED_STATUSES.map((s) => Type.Literal(s)), { description: '`resolved` is the original name of `repaired` (its alias)' }),
    note: Type.Optional(Note(1000)),
    ...RepairStatusFields,
  },
  { additionalProperties: false },
);

export const CancelSchema = Type.Object({ reason: Note(500) }, { additionalProperties: false });

export const DeadLetterSchema = Type.Object({
  customerId: Type.String(),
  streamId: Type.String(),
  url: Type.Optional(Type.String()),
  error: Type.String(),
  attempts: Type.Integer(),
  at: Iso,
  body: Type.String(),
});
