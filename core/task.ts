// A person's task (`GET /v1/tasks`; today only the follow-up call after each repair), as the API answers it and
// the console shows it. Derived from the case that carries it (tasks/queries.ts).
import type { Notice } from './repair-notices.ts';

export interface Task {
  id: string;
  kind: 'follow_up';
  caseId: string;
  vin: string;
  customerId: string;
  stationId?: string;
  advisorId?: string;
  title: Notice;
  dueAt: string;
  status: 'open' | 'done';
  overdue: boolean;
  outcome?: string;
  note?: string;
  completedAt?: string;
}
