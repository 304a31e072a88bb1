// Ajv's type coercion turns the query-string text "Infinity" (or "1e400") into the number Infinity, accepts it
// as an integer and then skips minimum/maximum for it (they only test finite numbers) — so `?limit=Infinity`
// reached the handlers as a valid value. This guard runs right after validation, for every route: any
// non-finite number in the coerced query string or path parameters is a validation error naming the field.
// (JSON bodies cannot carry one: a non-finite number fails Ajv's type check there.)
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

export function installFiniteNumberGuard(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    const field = firstNonFinite(request.query, 'querystring') ?? firstNonFinite(request.params, 'params');
    if (field) {
      throw new ValidationError(`${field} must be a finite number`, [{ field, message: 'must be a finite number' }]);
    }
  });
}
