// Terminal binding (admin): which JT/T 808 terminal is fitted to which registered vehicle. HTTP only — the
// use case is terminals/terminal-binding.ts, built once by createApiServices (api/services.ts).
import { Type } from '@sinclair/typebox';
import { VIN_PATTERN } from '../../core/vin.ts';
import { TERMINAL_ID_PATTERN } from '../../terminals/terminal-binding.ts';
import type { RoutePlugin } from '../context.ts';

const TerminalId = Type.String({ pattern: TERMINAL_ID_PATTERN, description: 'Terminal phone number as in the JT/T 808 header (digits; leading zeros are not significant)' });

const TerminalSchema = Type.Object(
  {
    id: Type.String({ description: 'Terminal id without leading zeros' }),
    protocol: Type.Literal('jt808'),
    vin: Type.String(),
    boundAt: Type.String({ format: 'date-time' }),
    registered: Type.Boolean({ description: 'The terminal holds an auth code (registered with 0x0100 and not logged out)' }),
    registeredAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { title: 'Terminal' },
);

const BindBody = Type.Object(
  {
    id: TerminalId,
    protocol: Type.Literal('jt808'),
    vin: Type.String({ pattern: VIN_PATTERN, description: 'A registered, active vehicle' }),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: TerminalId });

const terminalRoutes: RoutePlugin = async (app, { terminals }) => {
  app.post('/terminals', {
    config: { roles: ['admin'] },
    schema: {
      tags: ['terminals'],
      summary: 'Bind a JT/T 808 terminal to a registered vehicle (a vehicle that changes terminals loses its old one)',
      body: BindBody,
      response: { 200: TerminalSchema, 201: TerminalSchema },
    },
  }, async (request, reply) => {
    const { terminal, created } = await terminals.bind(request.body);
    return reply.status(created ? 201 : 200).send(terminal);
  });

  app.get('/terminals/:id', {
    config: { roles: ['admin'] },
    schema: { tags: ['terminals'], summary: 'A terminal binding', params: IdParams, response: { 200: TerminalSchema } },
  }, async (request) => terminals.show(request.params.id));

  app.delete('/terminals/:id', {
    config: { roles: ['admin'] },
    schema: { tags: ['terminals'], summary: 'Unbind a terminal (its auth code is dropped)', params: IdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await terminals.unbind(request.params.id);
    return reply.status(204).send(null);
  });
};

export default terminalRoutes;
