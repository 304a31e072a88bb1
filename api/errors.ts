// The one error format of the API: `{ error, message, details }`. Domain errors map to one status each,
// validation errors name the field, and a 5xx never shows internals (it is logged with the request id).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { DomainError, type ErrorCode } from '../core/errors.ts';

export const ErrorResponseSchema = Type.Object(
  {
    error: Type.String({ description: 'Machine-readable code, e.g. validation_failed, not_found, forbidden' }),
    message: Type.String({ description: 'One human-readable sentence' }),
    details: Type.Array(
      Type.Object({ field: Type.String({ description: 'Where: body.x, querystring.y, params.z, rows[n].column, …' }), message: Type.String() }),
      { description: 'One entry per problem with an input; empty when the error is not about one input' },
    ),
  },
  { $id: 'ErrorResponse', title: 'ErrorResponse' },
);

export const STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
  invalid_credentials: 401,
  account_locked: 429,
  account_deactivated: 403,
  password_change_required: 403,
  csrf_rejected: 403,
};

/** Error codes for framework-level 4xx answers that have no domain code. */
const CODE_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

export interface FieldError {
  field: string;
  message: string;
}

function fieldErrors(err: FastifyError): FieldError[] {
  const context = err.validationContext ?? 'body';
  return (err.validation ?? []).map((v) => {
    const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    const extra = (v.params as { additionalProperty?: string }).additionalProperty;
    const leaf = missing ?? extra;
    const field = [context, path, leaf].filter((part) => part !== undefined && part !== '').join('.');
    const message = extra ? `unknown field ${extra}` : (v.message ?? 'is invalid');
    return { field, message };
  });
}

/** Answers a domain error in the one format (5xx details are logged, never sent). */
export function sendDomainError(request: FastifyRequest, reply: FastifyReply, err: DomainError): FastifyReply {
  const status = STATUS_OF[err.code];
  if (status >= 500) request.log.error({ err }, 'request failed');
  return reply.status(status).send({ error: err.code, message: status >= 500 ? 'service unavailable' : err.message, details: status >= 500 ? [] : err.details });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof DomainError) return sendDomainError(request, reply, err);
    if (err.validation) {
      const details = fieldErrors(err);
      const first = details[0];
      const message = first ? `${first.field} ${first.message}` : 'request is invalid';
      return reply.status(400).send({ error: 'validation_failed', message, details });
    }
    const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ error: CODE_OF_STATUS[status] ?? 'bad_request', message: err.message, details: [] });
    }
    request.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: 'internal', message: `internal error (request ${request.id})`, details: [] });
  });

  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}`, details: [] });
  });
}
