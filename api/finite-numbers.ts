// Ajv's type coercion turns the query-string text "Infinity" (or "1e400") into the number Infinity, accepts it
// as an integer and then skips minimum/maximum for it (they only test finite numbers) — so `?limit=Infinity`
// reached the handlers as a valid value. This guard runs right after validation, for every route: any
// non-finite number in the coerced query string or path parameters is a validation error naming the field.
// JSON bodies too: a number sent as text ("1e309") is coerced the same way, so body fields are checked as well
// (nested objects and arrays, a few levels deep).
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../core/errors.ts';

function firstNonFinite(values: unknown, where: string): string | undefined {
  if (!values || typeof values !== 'object') return undefined;
  for (const [name, value] of Object.entries(values)) {
    const items = Array.isArray(value) ? value : [value];
    if (items.some((item) => typeof item === 'number' && !Number.isFinite(item))) return `${where}.${name}`;
  }
  return undefined;
}

function nonFiniteInBody(value: unknown, where: string, depth = 0): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : where;
  if (!value || typeof value !== 'object' || depth > 4) return undefined;
  for (const [name, item] of Object.entries(value)) {
    const found = nonFiniteInBody(item, `${where}.${name}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function installFiniteNumberGuard(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    const field = firstNonFinite(request.query, 'querystring') ?? firstNonFinite(request.params, 'params') ?? nonFiniteInBody(request.body, 'body');
    if (field) {
      throw new ValidationError(`${field} must be a finite number`, [{ field, message: 'must be a finite number' }]);
    }
  });
}
