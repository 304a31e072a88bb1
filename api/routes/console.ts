// Serves the web console (console/, built by `npm run build:console` into console/dist) at /console/.
// The files are public like /docs: the console asks for a bearer token and every API call it makes is
// authenticated. Hashed assets are cached for good; index.html is revalidated so a new build shows up.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { RoutePlugin } from '../context.ts';

export const CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

const consoleRoutes: RoutePlugin = async (app) => {
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), public: true };
    route.schema = { ...(route.schema ?? {}), hide: true } as typeof route.schema;
  });

  app.get('/console', async (_request, reply) => reply.redirect('/console/', 302));

  if (!existsSync(`${CONSOLE_DIST}index.html`)) {
    // The API still starts without a console build; say how to get one instead of a bare 404.
    app.get('/console/*', async (_request, reply) =>
      reply.status(503).send({
        error: 'unavailable',
        message: 'the web console is not built: run `npm run build:console` (scripts/bootstrap.sh does it on install)',
        details: [],
      }),
    );
    return;
  }

  await app.register(fastifyStatic, {
    root: CONSOLE_DIST,
    prefix: '/console/',
    decorateReply: false,
    index: ['index.html'],
    // The build writes .br/.gz copies of its text files; they are sent to browsers that accept them.
    preCompressed: true,
    cacheControl: false,
    setHeaders(res, path) {
      const hashed = /[/\\]assets[/\\]/.test(path);
      res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
    },
  });
};

export default consoleRoutes;
