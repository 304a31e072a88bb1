// Who sees which rescue case, and what of it (core/auth.ts): the one rule every /v1/rescues* route and the
// live event stream use. Pure: no services.
import { describe, expect, it } from 'vitest';
import { caseAsSeenBy, caseInScope, eventAsSeenBy, eventInScope, type Caller, type CustomerScope } from '../../core/auth.ts';

const all: CustomerScope = { all: true };
const none: CustomerScope = { all: false, customerIds: new Set() };
const c1: CustomerScope = { all: false, customerIds: new Set(['C1']) };
const callers: Record<string, Caller> = {
  admin: { sub: 'a', role: 'admin' },
  agent: { sub: 'g', role: 'agent' },
  advisor: { sub: 'v', role: 'advisor', advisorId: 'A1' },
  customer: { sub: 'c', role: 'customer', customerId: 'C1' },
  station: { sub: 's', role: 'station', stationId: 'S1' },
};
const scopeOf = (role: string) => (role === 'admin' || role === 'agent' ? all : role === 'station' ? none : c1);

const theCase = {
  customerId: 'C1',
  stationIds: ['S3', 'S1'],
  offers: [{ stationId: 'S3', etaMin: 40 }, { stationId: 'S1', etaMin: 20 }],
  candidates: [{ stationId: 'S3' }, { stationId: 'S1' }],
  candidatesAt: '2026-01-01T00:00:00.000Z',
  launch: { stationId: 'S1' },
  timeline: [
    { event: 'opened', details: { source: 'telematics' } },
    { event: 'offered', details: { stationId: 'S3', etaMin: 40 } },
    { event: 'declined', details: { stationId: 'S3', reason: 'busy' } },
    { event: 'offered', details: { stationId: 'S1', etaMin: 20 } },
    { event: 'accepted', details: { stationId: 'S1' } },
  ],
};

describe('caseInScope', () => {
  it('admin and agent see every case; customer and advisor their customers\'; a station those it was offered', () => {
    for (const [role, caller] of Object.entries(callers)) expect(caseInScope(caller, theCase, scopeOf(role)), role).toBe(true);
    const foreign = { customerId: 'C2', stationIds: ['S3'] };
    expect(caseInScope(callers.admin!, foreign, all)).toBe(true);
    expect(caseInScope(callers.agent!, foreign, all)).toBe(true);
    expect(caseInScope(callers.advisor!, foreign, c1)).toBe(false);
    expect(caseInScope(callers.customer!, foreign, c1)).toBe(false);
    expect(caseInScope(callers.station!, foreign, none)).toBe(false);
  });
});

describe('caseAsSeenBy', () => {
  it('leaves the case whole for everyone but a station', () => {
    for (const role of ['admin', 'agent', 'advisor', 'customer']) expect(caseAsSeenBy(callers[role]!, theCase)).toBe(theCase);
  });

  it('shows a station only its own offers, launch and timeline entries, and no candidates', () => {
    const seen = caseAsSeenBy(callers.station!, theCase);
    expect(seen.offers).toEqual([{ stationId: 'S1', etaMin: 20 }]);
    expect(seen.candidates).toEqual([]);
    expect(seen.candidatesAt).toBeUndefined();
    expect(seen.stationIds).toEqual(['S1']);
    expect(seen.launch).toEqual({ stationId: 'S1' });
    expect(seen.timeline.map((t) => t.event)).toEqual(['opened', 'offered', 'accepted']);
    expect(JSON.stringify(seen)).not.toContain('S3');
  });

  it('does not tell the station that lost an offer who won it', () => {
    const loser = caseAsSeenBy({ sub: 's3', role: 'station', stationId: 'S3' }, theCase);
    expect(loser.launch).toBeUndefined();
    expect(JSON.stringify(loser)).not.toContain('S1');
  });
});

describe('live events for stations', () => {
  const offeredToS3 = { customerId: 'C1', stationIds: ['S3', 'S1'], data: { stationId: 'S3' } };
  const caseWide = { customerId: 'C1', stationIds: ['S3', 'S1'], data: { status: 'launched' } };

  it('a station hears events about itself or the whole case, not those about another station', () => {
    expect(eventInScope(callers.station!, offeredToS3, none)).toBe(false);
    expect(eventInScope(callers.station!, caseWide, none)).toBe(true);
    expect(eventInScope({ sub: 's3', role: 'station', stationId: 'S3' }, offeredToS3, none)).toBe(true);
    expect(eventInScope(callers.agent!, offeredToS3, all)).toBe(true);
  });

  it('names only the station itself in what it receives', () => {
    expect(eventAsSeenBy(callers.station!, caseWide).stationIds).toEqual(['S1']);
    expect(eventAsSeenBy(callers.agent!, caseWide).stationIds).toEqual(['S3', 'S1']);
  });
});
