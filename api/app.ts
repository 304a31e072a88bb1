// Builds the API as a Fastify instance and NEVER listens (api/main.ts does). Tests build the real app
// and call `app.inject()`.
//
// Adding an area: write `api/routes/<area>.ts` exporting a default `RoutePlugin` and add it to ROUTES.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { DomainError } from '../core/errors.ts';
import { installAuth } from './auth.ts';
import { installAuditTrail } from './audit-hook.ts';
import type { RoutePlugin } from './context.ts';
import type { ApiServices } from './services.ts';
import { ErrorResponseSchema, installErrorHandling } from './errors.ts';
import { installFiniteNumberGuard } from './finite-numbers.ts';
import { installMetrics } from './metrics.ts';
import type { TypeBoxTypeProvider } from './typebox.ts';
import advisorRoutes from './routes/advisors.ts';
import customerRoutes from './routes/customers.ts';
import depotRoutes from './routes/depots.ts';
import eventRoutes from './routes/events.ts';
import healthRoutes from './routes/health.ts';
import importRoutes from './routes/import.ts';
import ingestRoutes from './routes/ingest.ts';
import stationRoutes from './routes/stations.ts';
import vehicleRoutes from './routes/vehicles.ts';
import consoleRoutes from './routes/console.ts';
import rescueRoutes from './routes/rescues.ts';
import rescueQueueRoutes from './routes/rescue-queues.ts';
import rescueMetricRoutes from './routes/rescue-metrics.ts';
import webhookRoutes from './routes/webhooks.ts';
import coverageRoutes from './routes/coverage.ts';
import fleetRoutes from './routes/fleet.ts';
import stationDeskRoutes from './routes/station-desk.ts';
import queueBoardRoutes from './routes/queue-board.ts';
import maintenanceRoutes from './routes/maintenance.ts';
import appointmentRoutes from './routes/appointments.ts';
import repairRoutes from './routes/repairs.ts';
import partRoutes from './routes/parts.ts';
import taskRoutes from './routes/tasks.ts';
import complaintRoutes from './routes/complaints.ts';
import repairSettingsRoutes from './routes/repair-settings.ts';
import authRoutes from './routes/auth.ts';
import userRoutes from './routes/users.ts';
import apiKeyRoutes from './routes/api-keys.ts';
import auditRoutes from './routes/audit.ts';
import terminalRoutes from './routes/terminals.ts';

/** Every route area, in registration order. `prefix` is prepended to the plugin's paths. */
const ROUTES: ReadonlyArray<{ plugin: RoutePlugin; prefix: string }> = [
  { plugin: healthRoutes, prefix: '' },
  { plugin: consoleRoutes, prefix: '' },
  { plugin: authRoutes, prefix: '/v1' },
  { plugin: userRoutes, prefix: '/v1' },
  { plugin: apiKeyRoutes, prefix: '/v1' },
  { plugin: auditRoutes, prefix: '/v1' },
  { plugin: customerRoutes, prefix: '/v1' },
  { plugin: vehicleRoutes, prefix: '/v1' },
  { plugin: stationRoutes, prefix: '/v1' },
  { plugin: depotRoutes, prefix: '/v1' },
  { plugin: advisorRoutes, prefix: '/v1' },
  { plugin: importRoutes, prefix: '/v1' },
  { plugin: ingestRoutes, prefix: '/v1' },
  { plugin: eventRoutes, prefix: '/v1' },
  { plugin: rescueRoutes, prefix: '/v1' },
  { plugin: webhookRoutes, prefix: '/v1' },
  { plugin: rescueMetricRoutes, prefix: '/v1' },
  { plugin: rescueQueueRoutes, prefix: '/v1' },
  { plugin: coverageRoutes, prefix: '/v1' },
  { plugin: maintenanceRoutes, prefix: '/v1' },
  { plugin: appointmentRoutes, prefix: '/v1' },
  { plugin: repairRoutes, prefix: '/v1' },
  { plugin: partRoutes, prefix: '/v1' },
  { plugin: taskRoutes, prefix: '/v1' },
  { plugin: complaintRoutes, prefix: '/v1' },
  { plugin: repairSettingsRoutes, prefix: '/v1' },
  { plugin: terminalRoutes, prefix: '/v1' },
  { plugin: fleetRoutes, prefix: '/v1' },
  { plugin: stationDeskRoutes, prefix: '/v1' },
  { plugin: queueBoardRoutes, prefix: '/admin/queues' },
];

export type ApiApp = FastifyInstance;

/** The app over services built by createApiServices; closing the app closes what the services opened. */
export async function buildApp(services: ApiServices): Promise<ApiApp> {
  const app = Fastify({
    ...(services.logger ? { loggerInstance: services.logger as FastifyBaseLogger } : { logger: false }),
    trustProxy: false,
    bodyLimit: 20 * 1024 * 1024,
    ajv: {
      customOptions: {
        // Reject unknown fields instead of silently dropping them: a client must learn that it cannot
        // set e.g. an ownership field, and a typo must not look like success.
        removeAdditional: false,
        useDefaults: true,
        coerceTypes: 'array',
        allErrors: false,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onClose', () => services.close());
  installErrorHandling(app);
  installFiniteNumberGuard(app);
  app.addSchema(ErrorResponseSchema);
  // Every documented route can answer the error format; say so in the OpenAPI document (and serialize it).
  app.addHook('onRoute', (route) => {
    const schema = route.schema as { response?: Record<string, unknown>; hide?: boolean } | undefined;
    if (!schema?.response || schema.hide) return;
    const codes = route.config?.public ? ['400', '429'] : ['400', '401', '403', '404', '429'];
    for (const code of codes) schema.response[code] ??= { $ref: 'ErrorResponse#' };
  });

  // Swagger UI's own routes are public documentation.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), public: true };
  });
  installAuth(app, services.accounts.credentials);
  // Before any route: Fastify binds hooks to the routes registered after them.
  installAuditTrail(app, services.accounts.audit);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Fleet rescue API',
        version: '1',
        description: 'Registry of the service network, live vehicle state, rescue dispatch. Errors: `{error, message, details}`.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A JWT (npm run token, an identity provider) or an API key frk_…' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'fr_session', description: 'Sign-in session (POST /v1/auth/login); changes also need X-CSRF-Token' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });


  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler', // after authentication, so the limit is per caller rather than per IP
    max: services.config.rateLimitMax,
    timeWindow: services.config.rateLimitWindowMs,
    redis: services.redis,
    nameSpace: services.keys.rateLimit,
    keyGenerator: (request) => (request.caller ? `caller:${request.caller.role}:${request.caller.sub}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      // The Retry-After header says when; the body says so in words.
      new DomainError('rate_limited', `too many requests: limit ${context.max} per ${context.after}, retry later`),
  });

  installMetrics(app);
  for (const { plugin, prefix } of ROUTES) await app.register(plugin, { ...services, prefix });
  return app;
}
