// The job retry policy against real Redis and BullMQ: a payload that breaks its queue's contract fails for good
// at the first attempt (UnrecoverableError), a transient failure is retried with the queue's backoff.
import { Queue, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { JOB_OPTIONS, QUEUES, RESCUE_QUEUES, type QueueName } from '../../core/queues.ts';
import { withRetryPolicy } from '../../dispatcher/dispatcher.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { createRig, type DispatchRig } from './setup.ts';
import { makeCustomer, makeStations, makeVehicles } from './fixtures.ts';

const services = testServices('jobretries');
const connection = { url: services.redisUrl, maxRetriesPerRequest: null };
let rig: DispatchRig;
const queues: Queue[] = [];

beforeAll(async () => {
  rig = await createRig(services, {}, {
    stations: makeStations({ count: 3, centre: { lat: 30.6, lon: 104.1 }, spreadDeg: 0.1, seed: 5, restrictedHours: 0, inactive: 0, noEngine: 0 }),
    customers: [makeCustomer('retry')],
    vehicles: makeVehicles('retry', 1),
  });
  await rig.startDispatcher();
});
afterAll(async () => {
  await Promise.all(queues.map((q) => q.close()));
  await rig?.close();
});

function queue(name: string): Queue {
  const q = new Queue(name, { connection, prefix: rig.keys.bullPrefix });
  queues.push(q);
  return q;
}

async function finished(q: Queue, jobId: string): Promise<Job> {
  return waitFor(async () => {
    const job = await q.getJob(jobId);
    return job?.finishedOn !== undefined ? job : undefined;
  }, { what: `job ${jobId} finished` });
}

describe('job retry policy', () => {
  const invalid: Array<[QueueName, string, unknown, RegExp]> = [
    [QUEUES.faultEvents, 'fault-no-fields', { id: 'x' }, /^invalid fault event: /],
    [RESCUE_QUEUES.rescueJobs, 'advance-no-case', { kind: 'advance' }, /^invalid rescue job: /],
    [RESCUE_QUEUES.rescueJobs, 'unknown-kind', { kind: 'reboot', caseId: 'c-1' }, /^invalid rescue job: /],
    [RESCUE_QUEUES.webhooks, 'delivery-no-body', { customerId: 'retry', streamId: '1-0' }, /^invalid webhook delivery: /],
  ];

  it.each(invalid)('%s: an invalid payload (%s) fails at the first attempt and is never retried', async (name, jobId, payload, reason) => {
    const q = queue(name);
    await q.add('invalid', payload, { ...JOB_OPTIONS[name], jobId });
    const job = await finished(q, jobId);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.opts.attempts).toBeGreaterThan(1); // it had tries left and still did not retry
    expect(job.failedReason).toMatch(reason);
  });

  it('retries transient failures (a lost Redis connection, contention) with backoff; fails domain refusals at once', async () => {
    const name = `policy-${services.namespace}`;
    const q = queue(name);
    const tries = new Map<string, number>();
    const worker = new Worker(name, withRetryPolicy(async (job) => {
      const n = (tries.get(job.id!) ?? 0) + 1;
      tries.set(job.id!, n);
      if (job.name === 'transient') {
        if (n === 1) throw new Error('read ECONNRESET');
        if (n === 2) throw new ConflictError('case c-1 is changing too fast; try again');
        return 'done';
      }
      if (job.name === 'not-found') throw new NotFoundError('rescue case', 'c-404');
      throw new ValidationError('bad input');
    }), { connection, prefix: rig.keys.bullPrefix });
    try {
      const options = JOB_OPTIONS[RESCUE_QUEUES.rescueJobs];
      await q.add('transient', {}, { ...options, jobId: 'transient' });
      await q.add('not-found', {}, { ...options, jobId: 'not-found' });
      await q.add('invalid', {}, { ...options, jobId: 'invalid' });

      const transient = await finished(q, 'transient');
      expect(await transient.getState()).toBe('completed');
      expect(transient.returnvalue).toBe('done');
      expect(tries.get('transient')).toBe(3);
      expect(transient.stacktrace).toHaveLength(2);

      for (const jobId of ['not-found', 'invalid']) {
        const job = await finished(q, jobId);
        expect(await job.getState()).toBe('failed');
        expect(job.attemptsMade).toBe(1);
        expect(tries.get(jobId)).toBe(1);
      }
    } finally {
      await worker.close();
      await q.obliterate({ force: true });
    }
  });
});
