// Request and response schemas of the repair half of a case: parts, warranty, quote, claim, rating, follow-up
// tasks, complaints, the working calendar and the station scorecard.
import { Type } from '@sinclair/typebox';
import { PartNoSchema } from '../core/parts-catalog.ts';

const Iso = Type.String({ format: 'date-time' });
const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const ActorSchema = Type.Object({ kind: Type.String(), id: Type.String() });
const NoticeSchema = Type.Object({ zh: Type.String(), en: Type.String() }, { description: 'Text in zh-CN and English; times in China time' });

/** A whole, non-negative quantity; fractional or negative quantities are refused with 400. */
export const QtySchema = Type.Integer({ minimum: 0, maximum: 1_000_000 });
export const PartLineSchema = Type.Object({ partNo: PartNoSchema, qty: QtySchema }, { additionalProperties: false });

export const CasePartSchema = Type.Object({
  partNo: Type.String(),
  qty: Type.Integer(),
  source: Type.Optional(Literals(['station', 'depot'] as const)),
  stationId: Type.Optional(Type.String()),
  depotId: Type.Optional(Type.String()),
  status: Literals(['reserved', 'in_transit', 'delivered', 'consumed', 'released', 'unavailable'] as const),
  readyAt: Type.Optional(Iso),
  courierMin: Type.Optional(Type.Number()),
  consumedQty: Type.Optional(Type.Integer()),
  nextOption: Type.Optional(Type.Object({ action: Literals(['backorder', 'none'] as const), depotId: Type.Optional(Type.String()), courierMin: Type.Optional(Type.Number()) })),
});

export const WarrantySchema = Type.Object({
  covered: Type.Boolean(),
  reason: Literals(['within_policy', 'expired_age', 'expired_km', 'unknown_in_service_date'] as const),
  expiresOn: Type.Optional(Type.String({ format: 'date' })),
  kmLeft: Type.Optional(Type.Integer()),
  policy: Type.Object({ years: Type.Integer(), km: Type.Integer() }),
  odometerKm: Type.Optional(Type.Integer()),
});

const QuoteLineSchema = Type.Object({ partNo: PartNoSchema, qty: Type.Integer({ minimum: 1, maximum: 1000 }), unitPriceCny: Type.Number({ minimum: 0, maximum: 10_000_000 }) }, { additionalProperties: false });

/** The case fields of the repair half (merged into RescueCase). */
export const RepairCaseFields = {
  faultCodes: Type.Optional(Type.Array(Type.Object({ spn: Type.Integer(), fmi: Type.Integer() }))),
  warranty: Type.Optional(WarrantySchema),
  parts: Type.Optional(Type.Array(CasePartSchema)),
  partsReadyAtArrival: Type.Optional(Type.Boolean({ description: 'Every reserved part at the station no later than the van (decided at launch)' })),
  quote: Type.Optional(Type.Object({
    labourHours: Type.Number(), parts: Type.Array(QuoteLineSchema), amountCny: Type.Number(), by: ActorSchema, at: Iso,
    status: Literals(['pending', 'approved', 'rejected'] as const), decidedBy: Type.Optional(ActorSchema), decidedAt: Type.Optional(Iso), note: Type.Optional(Type.String()),
  })),
  claim: Type.Optional(Type.Object({
    parts: Type.Array(Type.Object({ partNo: Type.String(), qty: Type.Integer() })), labourHours: Type.Number(),
    faultCodes: Type.Array(Type.Object({ spn: Type.Integer(), fmi: Type.Optional(Type.Integer()) })), photos: Type.Array(Type.String()),
    status: Literals(['draft', 'submitted'] as const), submittedAt: Type.Optional(Iso), submittedBy: Type.Optional(ActorSchema),
  })),
  repair: Type.Optional(Type.Object({
    startedAt: Type.Optional(Iso), repairedAt: Type.Optional(Iso), withinDeadline: Type.Optional(Type.Boolean()),
    labourHours: Type.Optional(Type.Number()), photos: Type.Optional(Type.Array(Type.String())),
  })),
  repairBreach: Type.Optional(Type.Object({ at: Iso, advisorId: Type.Optional(Type.String()) })),
  rating: Type.Optional(Type.Object({ score: Type.Integer(), comment: Type.Optional(Type.String()), at: Iso, by: ActorSchema })),
  followUp: Type.Optional(Type.Object({
    id: Type.String(), kind: Type.Literal('follow_up'), advisorId: Type.Optional(Type.String()), dueAt: Iso, createdAt: Iso,
    status: Literals(['open', 'done'] as const), outcome: Type.Optional(Type.String()), note: Type.Optional(Type.String()),
    completedAt: Type.Optional(Iso), completedBy: Type.Optional(ActorSchema),
  })),
};

export const RepairStatusFields = {
  parts: Type.Optional(Type.Array(PartLineSchema, { maxItems: 100, description: 'With repaired/resolved: the parts actually used (default: what was reserved)' })),
  labourHours: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
  photos: Type.Optional(Type.Array(Text(2000), { maxItems: 50, description: 'References (URLs or object keys) of photos' })),
};

export const QuoteSchema = Type.Object({
  labourHours: Type.Number({ minimum: 0, maximum: 1000 }),
  parts: Type.Array(QuoteLineSchema, { maxItems: 100 }),
  amountCny: Type.Number({ minimum: 0, maximum: 100_000_000 }),
}, { additionalProperties: false });

export const QuoteDecisionSchema = Type.Object({ approved: Type.Boolean(), note: Type.Optional(Text(1000)) }, { additionalProperties: false });
export const ClaimSubmitSchema = Type.Object({ labourHours: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })), photos: RepairStatusFields.photos }, { additionalProperties: false });
export const RatingSchema = Type.Object({ score: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Text(2000)) }, { additionalProperties: false });

export const PartSchemaOut = Type.Object({ partNo: Type.String(), nameZh: Type.String(), nameEn: Type.String(), category: Type.String(), unit: Type.String() });
export const StockPutSchema = Type.Object({ items: Type.Array(PartLineSchema, { maxItems: 5000 }) }, { additionalProperties: false });
export const StockSchema = Type.Object({
  location: Type.String(),
  items: Type.Array(Type.Object({ partNo: Type.String(), onHand: Type.Integer(), reserved: Type.Integer(), available: Type.Integer() })),
});

export const TaskSchema = Type.Object({
  id: Type.String(), kind: Type.Literal('follow_up'), caseId: Type.String(), vin: Type.String(), customerId: Type.String(),
  stationId: Type.Optional(Type.String()), advisorId: Type.Optional(Type.String()), title: NoticeSchema, dueAt: Iso,
  status: Literals(['open', 'done'] as const), overdue: Type.Boolean(), outcome: Type.Optional(Type.String()), note: Type.Optional(Type.String()),
  completedAt: Type.Optional(Iso),
});
export const TaskQuerySchema = Type.Object({
  kind: Type.Optional(Type.Literal('follow_up')),
  status: Type.Optional(Literals(['open', 'done', 'overdue'] as const)),
  dueBefore: Type.Optional(Iso),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
}, { additionalProperties: false });
export const TaskCompleteSchema = Type.Object({ outcome: Literals(['satisfied', 'unsatisfied', 'unreachable'] as const), note: Type.Optional(Text(2000)) }, { additionalProperties: false });

export const ComplaintSchema = Type.Object({
  id: Type.String(), customerId: Type.String(), caseId: Type.Optional(Type.String()), stationId: Type.Optional(Type.String()),
  text: Type.String(), filedBy: ActorSchema, filedAt: Iso, answerDue: Iso,
  status: Literals(['open', 'answered', 'closed'] as const), escalated: Type.Boolean(), escalatedAt: Type.Optional(Iso),
  answer: Type.Optional(Type.Object({ text: Type.String(), by: ActorSchema, at: Iso, inTime: Type.Boolean() })),
  closedAt: Type.Optional(Iso), closedBy: Type.Optional(ActorSchema), version: Type.Integer(),
});
export const FileComplaintSchema = Type.Object({
  caseId: Type.Optional(Type.String({ pattern: '^rc-[a-z0-9]+-[a-f0-9]{10}$' })),
  stationId: Type.Optional(Id),
  customerId: Type.Optional(Id),
  text: Text(4000),
}, { additionalProperties: false });
export const ComplaintQuerySchema = Type.Object({
  status: Type.Optional(Literals(['open', 'answered', 'closed'] as const)),
  overdue: Type.Optional(Type.Boolean()),
  stationId: Type.Optional(Id),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
}, { additionalProperties: false });

export const ScorecardSchema = Type.Object({
  stationId: Type.String(), from: Iso, to: Iso,
  offers: Type.Integer(), accepted: Type.Integer(), declined: Type.Integer(), timedOut: Type.Integer(),
  acceptanceRate: Type.Union([Type.Number(), Type.Null()]), medianAnswerS: Type.Union([Type.Number(), Type.Null()]),
  launches: Type.Integer(), launchedWithinWindow: Type.Integer(),
  repairsDue: Type.Integer(), repairedWithin24h: Type.Integer(), repairsMissed24h: Type.Integer(), repairedWithin24hRate: Type.Union([Type.Number(), Type.Null()]),
  partsReadyAtArrival: Type.Integer(), partsNeeded: Type.Integer(), partsReadyAtArrivalRate: Type.Union([Type.Number(), Type.Null()]),
  ratings: Type.Integer(), averageRating: Type.Union([Type.Number(), Type.Null()]),
  complaints: Type.Integer(), complaintsAnsweredInTime: Type.Integer(),
});
