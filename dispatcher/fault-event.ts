// Boundary check of the fault-event queue payload: the dispatcher trusts nothing it did not produce.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Dtc = Type.Object({
  spn: Type.Integer({ minimum: 0, maximum: 524287 }),
  fmi: Type.Integer({ minimum: 0, maximum: 31 }),
  oc: Type.Integer({ minimum: 0, maximum: 126 }),
});

export const FaultEventSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  vin: Type.String({ pattern: '^[A-HJ-NPR-Z0-9]{17}$' }),
  customerId: Type.String({ minLength: 1, maxLength: 64 }),
  ts: Type.Number(),
  receivedAt: Type.Number(),
  lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
  lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  lamps: Type.Object({ mil: Type.Boolean(), redStop: Type.Boolean(), amberWarning: Type.Boolean(), protect: Type.Boolean() }),
  severity: Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('emissions'), Type.Literal('info')]),
  active: Type.Array(Dtc, { maxItems: 1000 }),
  added: Type.Array(Dtc, { maxItems: 1000 }),
  cleared: Type.Array(Dtc, { maxItems: 1000 }),
});

export type CheckedFaultEvent = Static<typeof FaultEventSchema>;

export function checkFaultEvent(payload: unknown): { ok: true; event: CheckedFaultEvent } | { ok: false; problem: string } {
  if (Value.Check(FaultEventSchema, payload)) return { ok: true, event: payload };
  const first = Value.Errors(FaultEventSchema, payload).First();
  return { ok: false, problem: first ? `${first.path || '/'}: ${first.message}` : 'invalid fault event' };
}
