// Admin data of the repair half: the Chinese working calendar per year (holidays and 调休 working days) and the
// warranty policy per vehicle model. Everyone reads; admins write.
import { Type } from '@sinclair/typebox';
import { ValidationError } from '../../core/errors.ts';
import { DEFAULT_WARRANTY_POLICY, WarrantyPolicySchema } from '../../core/warranty.ts';
import { calendarProblems, WorkingCalendarYearSchema } from '../../core/working-calendar.ts';
import type { RoutePlugin } from '../context.ts';

const ERR = { $ref: 'ErrorResponse#' } as const;
const YearParams = Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }) });
const YearOut = Type.Object({ year: Type.Integer(), holidays: Type.Array(Type.String()), workdays: Type.Array(Type.String()), source: Type.Optional(Type.String()) });
const PolicyOut = Type.Object({ years: Type.Integer(), km: Type.Integer() });

const repairSettingsRoutes: RoutePlugin = async (app, ctx) => {
  const settings = ctx.repair.settings;

  app.get('/calendar/:year', {
    schema: { tags: ['calendar'], summary: 'The working calendar of a year: days off that would be working days, and weekend days that are working days (调休)', params: YearParams, response: { 200: YearOut, 404: ERR } },
  }, async (request) => {
    const year = (await settings.calendar()).get(request.params.year);
    return { year: request.params.year, holidays: year?.holidays ?? [], workdays: year?.workdays ?? [], ...(year?.source ? { source: year.source } : { source: 'weekends only: no schedule stored for this year' }) };
  });

  app.put('/calendar/:year', {
    config: { roles: ['admin'] },
    schema: { tags: ['calendar'], summary: 'Replace a year\'s working calendar (admin), e.g. when the State Council publishes the next schedule', params: YearParams, body: WorkingCalendarYearSchema, response: { 200: YearOut, 400: ERR } },
  }, async (request) => {
    const problems = calendarProblems(request.params.year, request.body);
    if (problems.length) throw new ValidationError('the calendar has problems; nothing was changed', problems);
    await settings.putCalendarYear(request.params.year, request.body);
    const year = (await settings.calendar()).get(request.params.year)!;
    return { year: request.params.year, ...year };
  });

  app.get('/warranty-policies', {
    schema: { tags: ['warranty'], summary: 'Warranty policy per vehicle model; `default` applies to every other model', response: { 200: Type.Object({ default: PolicyOut, models: Type.Record(Type.String(), PolicyOut) }) } },
  }, async () => ({ default: DEFAULT_WARRANTY_POLICY, models: await settings.warrantyPolicies() }));

  app.put('/warranty-policies/:model', {
    config: { roles: ['admin'] },
    schema: { tags: ['warranty'], summary: 'Set the warranty policy of a vehicle model (admin): years and km from the in-service date, whichever first', params: Type.Object({ model: Type.String({ minLength: 1, maxLength: 100 }) }), body: WarrantyPolicySchema, response: { 200: PolicyOut, 400: ERR } },
  }, async (request) => {
    await settings.putWarrantyPolicy(request.params.model, request.body);
    return request.body;
  });
};

export default repairSettingsRoutes;
