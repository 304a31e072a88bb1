// The queue contracts of core/queues.ts without services: what each schema accepts and refuses, and which
// domain errors a job may retry (the rest fail the job for good).
import { describe, expect, it } from 'vitest';
import { ConflictError, DomainError, ForbiddenError, InvalidTransitionError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { checkQueuePayload, JOB_OPTIONS, QUEUES, RESCUE_QUEUES, type FaultEvent } from '../../core/queues.ts';

const event: FaultEvent = {
  id: 'LFWADRJF011000001-1763805600000', vin: 'LFWADRJF011000001', customerId: 'acme', ts: 1763805600000, receivedAt: 1763805600100,
  lat: 31.2, lon: 121.5, lamps: { mil: false, redStop: true, amberWarning: false, protect: false }, severity: 'critical',
  active: [{ spn: 100, fmi: 1, oc: 3 }], added: [{ spn: 100, fmi: 1, oc: 3 }], cleared: [],
};

describe('queue payload schemas', () => {
  it('accepts a well-formed fault event, with or without a position', () => {
    expect(checkQueuePayload(QUEUES.faultEvents, event)).toEqual({ ok: true, payload: event });
    const { lat: _lat, lon: _lon, ...noPosition } = event;
    expect(checkQueuePayload(QUEUES.faultEvents, noPosition).ok).toBe(true);
  });

  it('refuses a fault event that breaks the contract, naming the field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /^\/: /],
      [{ ...event, vin: 'NOTAVIN' }, /^\/vin: /],
      [{ ...event, severity: 'none' }, /^\/severity: /],
      [{ ...event, lat: 91 }, /^\/lat: /],
      [{ ...event, active: [{ spn: 100, fmi: 32, oc: 0 }] }, /^\/active\/0\/fmi: /],
      [{ ...event, cleared: undefined }, /^\/cleared: /],
      [{ ...event, lamps: { mil: true } }, /^\/lamps\/redStop: /],
    ];
    for (const [payload, problem] of cases) {
      const checked = checkQueuePayload(QUEUES.faultEvents, payload);
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.problem).toMatch(problem);
    }
  });

  it('knows every rescue job kind and nothing else', () => {
    const valid = [
      { kind: 'advance', caseId: 'c-1' }, { kind: 'offer_timeout', caseId: 'c-1', attempt: 2 }, { kind: 'escalate', caseId: 'c-1' },
      { kind: 'sla_warning', caseId: 'c-1', clock: 'repair' }, { kind: 'driving_check', caseId: 'c-1' }, { kind: 'sweep' },
    ];
    for (const job of valid) expect(checkQueuePayload(RESCUE_QUEUES.rescueJobs, job).ok).toBe(true);
    const invalid = [{ kind: 'advance' }, { kind: 'reboot', caseId: 'c-1' }, { kind: 'offer_timeout', caseId: 'c-1', attempt: 0 }, { kind: 'sla_warning', caseId: 'c-1', clock: 'lunch' }];
    for (const job of invalid) expect(checkQueuePayload(RESCUE_QUEUES.rescueJobs, job).ok).toBe(false);
  });

  it('checks webhook deliveries', () => {
    expect(checkQueuePayload(RESCUE_QUEUES.webhooks, { customerId: 'acme', streamId: '1763805600000-0', body: '{}' }).ok).toBe(true);
    expect(checkQueuePayload(RESCUE_QUEUES.webhooks, { customerId: 'acme', streamId: 'x', body: '{}' }).ok).toBe(false);
    expect(checkQueuePayload(RESCUE_QUEUES.webhooks, { customerId: 'acme', streamId: '1-0' }).ok).toBe(false);
  });

  it('gives every queue job options that retry with exponential backoff', () => {
    for (const options of Object.values(JOB_OPTIONS)) {
      expect(options.attempts).toBeGreaterThan(1);
      expect(options.backoff.type).toBe('exponential');
    }
  });
});

describe('retryable domain errors', () => {
  it('retries contention and unavailability, never a request that cannot succeed', () => {
    expect(new ConflictError('case c-1 is changing too fast; try again').retryable).toBe(true);
    expect(new DomainError('unavailable', 'registry not loaded').retryable).toBe(true);
    expect(new ValidationError('bad').retryable).toBe(false);
    expect(new NotFoundError('rescue case', 'c-1').retryable).toBe(false);
    expect(new InvalidTransitionError('resolved', 'offered').retryable).toBe(false);
    expect(new ForbiddenError().retryable).toBe(false);
  });
});
