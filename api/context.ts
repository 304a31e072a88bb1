// What every route plugin receives: the API's services, built once by createApiServices (api/services.ts)
// and passed to buildApp. A route file never builds a store or a service and never reads configuration.
import type { FastifyPluginAsync, RawServerDefault } from 'fastify';
import type { ApiServices } from './services.ts';
import type { TypeBoxTypeProvider } from './typebox.ts';

export type ApiContext = ApiServices;

/** One Fastify plugin per area (api/routes/*.ts), registered by app.ts with the services. */
export type RoutePlugin = FastifyPluginAsync<ApiContext, RawServerDefault, TypeBoxTypeProvider>;
