// A complaint about a rescue case or a station, answered within N working days on the Chinese working calendar.
//   open → answered → closed;  open → closed (withdrawn);  escalated once when the answer is overdue.
import { ConflictError, InvalidTransitionError } from './errors.ts';
import type { Actor } from './rescue-case.ts';
import { complaintNotice } from './repair-notices.ts';

export interface Complaint {
  readonly id: string;
  readonly customerId: string;
  readonly caseId?: string;
  readonly stationId?: string;
  readonly text: string;
  readonly filedBy: Actor;
  readonly filedAt: string;
  /** End (24:00 China time) of the last working day allowed for the answer. */
  readonly answerDue: string;
  status: 'open' | 'answered' | 'closed';
  escalated: boolean;
  escalatedAt?: string;
  answer?: { text: string; by: Actor; at: string; inTime: boolean };
  closedAt?: string;
  closedBy?: Actor;
  version: number;
}

export type ComplaintAction =
  | { type: 'answer'; text: string }
  | { type: 'escalate' }
  | { type: 'close'; note?: string };

export function complaintTransition(current: Complaint, action: ComplaintAction, actor: Actor, now: Date): { next: Complaint; event?: string; details: Record<string, unknown> } {
  const c = structuredClone(current);
  const at = now.toISOString();
  let event: string;
  const details: Record<string, unknown> = {};
  switch (action.type) {
    case 'answer':
      if (c.status !== 'open') throw new ConflictError(`the complaint is ${c.status}`, [{ field: 'status', message: `cannot answer a ${c.status} complaint` }]);
      c.status = 'answered';
      c.answer = { text: action.text, by: actor, at, inTime: now.getTime() <= Date.parse(c.answerDue) };
      event = 'answered';
      details.inTime = c.answer.inTime;
      break;
    case 'escalate':
      if (c.escalated || c.status !== 'open' || now.getTime() <= Date.parse(c.answerDue)) return { next: current, details };
      c.escalated = true;
      c.escalatedAt = at;
      event = 'escalated';
      details.answerDue = c.answerDue;
      break;
    case 'close':
      if (c.status === 'closed') throw new InvalidTransitionError('closed', 'closed');
      c.status = 'closed';
      c.closedAt = at;
      c.closedBy = actor;
      event = 'closed';
      if (action.note) details.note = action.note;
      break;
  }
  const message = complaintNotice(event, { ...details, answerDue: c.answerDue });
  if (message) details.message = message;
  return { next: c, event, details };
}
