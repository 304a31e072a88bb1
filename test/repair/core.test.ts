// Pure rules of the repair half: the likely-parts table against every simulated fault, the working calendar,
// warranty, the new lifecycle moves and the parts plan.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARTS, likelyParts, likelyPartsRule, partsInTable } from '../../core/parts-catalog.ts';
import { partsReadyBy } from '../../core/parts-plan.ts';
import { canMove, newRescueCase, transition, type Actor, type RescueCase } from '../../core/rescue-case.ts';
import { warrantyStatus, DEFAULT_WARRANTY_POLICY } from '../../core/warranty.ts';
import { calendarProblems, isWorkingDay, SEEDED_CALENDAR, workingDaysDue } from '../../core/working-calendar.ts';
import { AMBER_FAULTS, RED_STOP_FAULTS } from '../../simulators/faults.ts';
import { systemOfSpn } from '../../core/fault-systems.ts';

describe('fault → likely parts', () => {
  it('every fault the simulators emit has its own SPN:FMI rule, a known system and parts in the catalog', () => {
    for (const f of [...RED_STOP_FAULTS, ...AMBER_FAULTS]) {
      expect(likelyPartsRule(f), `${f.spn}:${f.fmi}`).toBe('spn_fmi');
      expect(likelyParts([f]).length, `${f.spn}:${f.fmi}`).toBeGreaterThan(0);
      expect(systemOfSpn(f.spn), `${f.spn}`).not.toBe('general');
    }
    const catalog = new Set(DEFAULT_PARTS.map((p) => p.partNo));
    for (const partNo of partsInTable()) expect(catalog.has(partNo), partNo).toBe(true);
  });

  it('merges codes: each part once, the largest quantity; unknown SPNs need nothing', () => {
    expect(likelyParts([{ spn: 110, fmi: 0 }, { spn: 111, fmi: 1 }])).toEqual([
      { partNo: 'COOL-TS-01', qty: 1 }, { partNo: 'COOL-WP-01', qty: 1 }, { partNo: 'COOL-FL-10', qty: 2 }, { partNo: 'COOL-HS-01', qty: 1 },
    ]);
    expect(likelyParts([{ spn: 123456 }])).toEqual([]);
    expect(likelyParts([{ spn: 110, fmi: 3 }])).toEqual([{ partNo: 'COOL-TS-01', qty: 1 }, { partNo: 'COOL-FL-10', qty: 1 }]);
  });
});

describe('the Chinese working calendar', () => {
  it('seeded 2026: the Spring Festival week is off, Saturday 14 and 28 February are worked', () => {
    expect(isWorkingDay('2026-02-16', SEEDED_CALENDAR)).toBe(false);
    expect(isWorkingDay('2026-02-14', SEEDED_CALENDAR)).toBe(true);
    expect(isWorkingDay('2026-02-28', SEEDED_CALENDAR)).toBe(true);
    expect(isWorkingDay('2026-02-24', SEEDED_CALENDAR)).toBe(true);
    // Filed Wednesday 30 September 2026 (last working day before National Day): Thu 8 and Fri 9 October.
    expect(workingDaysDue(new Date('2026-09-30T09:00:00+08:00'), 2, SEEDED_CALENDAR).toISOString()).toBe('2026-10-09T16:00:00.000Z');
    // Filed Friday 9 October 2026: Saturday 10 October (调休) is the first working day, Monday 12 the second.
    expect(workingDaysDue(new Date('2026-10-09T18:00:00+08:00'), 2, SEEDED_CALENDAR).toISOString()).toBe('2026-10-12T16:00:00.000Z');
  });

  it('counts China dates: 23:30 China time on Friday is Friday, not Saturday', () => {
    expect(workingDaysDue(new Date('2026-03-06T15:30:00Z'), 1, SEEDED_CALENDAR).toISOString()).toBe('2026-03-09T16:00:00.000Z');
  });

  it('refuses a calendar with dates outside the year, a day both off and worked, or a weekday as 调休', () => {
    expect(calendarProblems(2026, { holidays: ['2025-10-01', '2026-05-01'], workdays: ['2026-05-01', '2026-05-06'] }).map((p) => p.field))
      .toEqual(['body.holidays[0]', 'body.holidays[1]', 'body.workdays[0]', 'body.workdays[1]']);
  });
});

describe('warranty', () => {
  it('3 years or 1,000,000 km, whichever first; unknown in-service date is said so', () => {
    expect(warrantyStatus({ inServiceDate: '2024-02-29' }, 10_000, DEFAULT_WARRANTY_POLICY, '2027-02-28')).toMatchObject({ covered: true, expiresOn: '2027-02-28', kmLeft: 990_000 });
    expect(warrantyStatus({ inServiceDate: '2024-02-29' }, 10_000, DEFAULT_WARRANTY_POLICY, '2027-03-01')).toMatchObject({ covered: false, reason: 'expired_age' });
    expect(warrantyStatus({ inServiceDate: '2025-01-01' }, 1_000_001, DEFAULT_WARRANTY_POLICY, '2026-01-01')).toMatchObject({ covered: false, reason: 'expired_km', kmLeft: 0 });
    expect(warrantyStatus({}, undefined, DEFAULT_WARRANTY_POLICY, '2026-01-01')).toMatchObject({ covered: false, reason: 'unknown_in_service_date' });
  });
});

describe('repair lifecycle', () => {
  const station: Actor = { kind: 'station', id: 'S1' };
  const t0 = new Date('2026-06-01T00:00:00Z');
  const launched = (): RescueCase => {
    let c = newRescueCase({ id: 'rc-x-0000000000', vin: 'V', customerId: 'C', source: 'agent', reportedAt: t0, reportedBy: station, spns: [], systems: [], capabilities: [], partsCategories: [] },
      { launchWindowS: 900, escalateBeforeS: 300, repairWindowS: 86_400 });
    c = transition(c, { type: 'assign', stationId: 'S1', etaMin: 30, parts: [{ partNo: 'P', qty: 1, source: 'depot', depotId: 'D', status: 'in_transit', readyAt: new Date(t0.getTime() + 40 * 60_000).toISOString() }] }, station, t0).next;
    return c;
  };

  it('moves through repairing and waiting_parts; resolved stays an alias of repaired; skipping is refused', () => {
    expect(canMove('launched', 'repaired')).toBe(false);
    expect(canMove('on_site', 'resolved')).toBe(true);
    expect(canMove('waiting_parts', 'repairing')).toBe(true);
    let c = launched();
    expect(c.partsReadyAtArrival).toBe(false); // the van in 30 min, the part in 40
    expect(() => transition(c, { type: 'status', status: 'repaired' }, station, t0)).toThrow(/cannot move/);
    for (const status of ['on_site', 'waiting_parts', 'repairing'] as const) c = transition(c, { type: 'status', status }, station, t0).next;
    const late = new Date(t0.getTime() + 25 * 3_600_000);
    c = transition(c, { type: 'status', status: 'resolved', followUp: { delayS: 3600 } }, station, late).next;
    expect(c).toMatchObject({ status: 'resolved', repair: { withinDeadline: false }, followUp: { dueAt: new Date(late.getTime() + 3_600_000).toISOString(), status: 'open' } });
  });

  it('escalates a missed repair deadline once, and never after the repair', () => {
    const c = launched();
    const first = transition(c, { type: 'repair_breach' }, station, t0);
    expect(first.event).toBe('repair_overdue');
    expect(transition(first.next, { type: 'repair_breach' }, station, t0).event).toBeUndefined();
  });

  it('parts ready at arrival: every line at the station by the van\'s arrival', () => {
    const at = (min: number) => new Date(t0.getTime() + min * 60_000).toISOString();
    expect(partsReadyBy([{ partNo: 'A', qty: 1, status: 'reserved', readyAt: at(0) }], new Date(at(10)))).toBe(true);
    expect(partsReadyBy([{ partNo: 'A', qty: 1, status: 'unavailable' }], new Date(at(10)))).toBe(false);
    expect(partsReadyBy([], new Date(at(10)))).toBeUndefined();
  });
});
