// People's tasks (the follow-up call after each repair): an advisor its own, admins and agents all.
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import { actorOfCaller } from '../../complaints/complaints.ts';
import { Type } from '@sinclair/typebox';
import { TaskCompleteSchema, TaskQuerySchema, TaskSchema } from '../repair-schemas.ts';

const ERR = { $ref: 'ErrorResponse#' } as const;

const taskRoutes: RoutePlugin = async (app, ctx) => {
  app.get('/tasks', {
    config: { roles: ['admin', 'agent', 'advisor'] },
    schema: {
      tags: ['tasks'], summary: 'Tasks by due time: `status=overdue` for open tasks past due; `dueBefore` for those due by a time',
      querystring: TaskQuerySchema, response: { 200: Type.Object({ items: Type.Array(TaskSchema) }), 400: ERR },
    },
  }, async (request) => {
    const { limit, ...q } = request.query;
    return { items: await ctx.tasks.list(callerOf(request), { ...q, limit: limit ?? 200 }) };
  });

  app.post('/tasks/:id/complete', {
    config: { roles: ['admin', 'agent', 'advisor'] },
    schema: {
      tags: ['tasks'], summary: 'Complete a follow-up call with its outcome and a note',
      params: Type.Object({ id: Type.String({ pattern: '^fu-rc-[a-z0-9]+-[a-f0-9]{10}$' }) }), body: TaskCompleteSchema,
      response: { 200: TaskSchema, 404: ERR, 409: ERR },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const task = await ctx.tasks.visibleTask(caller, request.params.id);
    await ctx.repairCommands.completeFollowUp(task.caseId, request.body.outcome, request.body.note, actorOfCaller(caller));
    return ctx.tasks.visibleTask(caller, request.params.id);
  });
};

export default taskRoutes;
