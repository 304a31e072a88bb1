// The BullMQ board (bull-board's web UI) for admins, over the system's queues (ctx.queues). A browser
// page cannot send our bearer header, so the board also accepts the token from an HttpOnly, SameSite=Strict
// cookie scoped to the board's path, set by its login page; every board request — pages, the board's JSON
// API, static files — still goes through the API's one authentication hook (api/auth.ts) and needs role
// admin. The JSON board (`/v1/rescue-queues`, api/routes/rescue-queues.ts) stays the scripted interface.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../core/errors.ts';
import { authenticate, bearerToken } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import type { TypeBoxTypeProvider } from '../typebox.ts';

/** Name of the cookie holding the admin's token (sent only to the board's own path). */
export const BOARD_COOKIE = 'queue_board_token';

const ERR = { $ref: 'ErrorResponse#' } as const;
const tags = ['admin'];

const LoginBodySchema = Type.Object(
  {
    token: Type.Optional(Type.String({
      minLength: 1, maxLength: 8192, pattern: '^[A-Za-z0-9._~+/=-]+$', // JWT characters only: it goes into a Set-Cookie header
      description: 'An admin JWT (else the Authorization header is used)',
    })),
  },
  { additionalProperties: false },
);

const loginPage = (action: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Queue board sign-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}textarea{width:100%;font-family:monospace}</style>
</head><body>
<h1>Queue board</h1>
<p>Paste an admin token (<code>npm run token -- --role admin</code>). It is kept in a cookie of this board only.</p>
<form method="post" action="${action}">
<textarea name="token" rows="6" required autocomplete="off" spellcheck="false"></textarea>
<p><button type="submit">Sign in</button></p>
</form>
</body></html>
`;

const queueBoardRoutes: RoutePlugin = async (app, ctx) => {
  const base = app.prefix; // /admin/queues
  app.addHook('onClose', () => ctx.queues.close());

  // Every route of this plugin except the sign-in pages is the board's (registered by bull-board, which
  // knows nothing of our auth): admin only, token from the header or the board cookie.
  app.addHook('onRoute', (route) => {
    if (route.config?.public) return;
    route.config = { ...(route.config ?? {}), roles: ['admin'], tokenCookie: BOARD_COOKIE };
  });

  function cookie(request: FastifyRequest, value: string, maxAgeS?: number): string {
    // Secure when the browser came over https: directly, or through a TLS-terminating proxy that says so.
    const https = request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
    return [
      `${BOARD_COOKIE}=${value}`, `Path=${base}`, 'HttpOnly', 'SameSite=Strict',
      ...(maxAgeS !== undefined ? [`Max-Age=${maxAgeS}`] : []), ...(https ? ['Secure'] : []),
    ].join('; ');
  }

  await app.register(async (scope) => {
    const login = scope.withTypeProvider<TypeBoxTypeProvider>();
    // The sign-in form posts url-encoded; only these routes parse that.
    login.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    login.get('/login', {
      config: { public: true },
      schema: {
        tags, summary: 'Queue board sign-in page (HTML form that posts an admin token to POST /admin/queues/login)',
        produces: ['text/html'],
        response: { 200: Type.String({ description: 'HTML page' }) },
      },
    }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(loginPage(`${base}/login`)));

    login.post('/login', {
      config: { public: true },
      schema: {
        tags,
        summary: 'Sign in to the queue board: checks an admin token and keeps it in an HttpOnly, SameSite=Strict cookie for the board\'s path',
        description: `The token comes from the body (\`token\`, form-encoded as the sign-in page sends it, or JSON) or from \`Authorization: Bearer\`. `
          + `Answers 303 to \`${base}\` with \`Set-Cookie: ${BOARD_COOKIE}=…; Path=${base}; HttpOnly; SameSite=Strict\` (\`Secure\` over https); `
          + `the board's pages and its API then accept the cookie in place of the header. 401 for a bad token, 403 for a role other than admin.`,
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: LoginBodySchema,
        response: { 303: Type.Null({ description: 'Signed in: redirect to the board' }), 401: ERR, 403: ERR },
      },
      // A bearer-header sign-in may come without any body (a JSON null is still refused).
      preValidation: async (request) => { if (request.body === undefined) request.body = {}; },
    }, async (request, reply) => {
      const token = request.body?.token ?? bearerToken(request);
      if (!token) throw new DomainError('unauthenticated', 'send an admin token as body field token or as Authorization: Bearer <jwt>');
      await authenticate(ctx.tokens, token, ['admin']);
      return reply.header('set-cookie', cookie(request, token)).redirect(base, 303);
    });

    // A GET, because the board links to it (its "Sign out" menu entry); clearing the cookie is harmless.
    login.get('/logout', {
      config: { public: true },
      schema: { tags, summary: 'Sign out of the queue board (clears its cookie)', response: { 303: Type.Null({ description: 'Redirect to the sign-in page' }) } },
    }, async (request, reply) => reply.header('set-cookie', cookie(request, '', 0)).redirect(`${base}/login`, 303));
  });

  // bull-board's own routes (its pages, /api/*, /static/*) are hidden from the OpenAPI document by the
  // adapter itself.
  const board = new FastifyAdapter();
  board.setBasePath(base);
  createBullBoard({
    queues: ctx.queues.all.map((queue) => new BullMQAdapter(queue)),
    serverAdapter: board,
    options: {
      uiConfig: {
        boardTitle: 'Fleet rescue queues',
        hideDocsLink: true,
        miscLinks: [{ text: 'Sign out', url: `${base}/logout` }],
      },
    },
  });
  await app.register(board.registerPlugin());
};

export default queueBoardRoutes;
