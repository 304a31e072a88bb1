// GET /v1/events: Server-Sent Events of the live stream (positions, faults, rescue events), filtered by
// what the caller may see. Each SSE `id` is the Redis Stream id: a client that reconnects with
// `Last-Event-ID` first gets what it missed (as far as the capped stream still holds it).
import { Type } from '@sinclair/typebox';
import { eventAsSeenBy, eventInScope } from '../../core/auth.ts';
import { DomainError, ValidationError } from '../../core/errors.ts';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import { compareStreamIds, STREAM_ID, type StreamEvent } from '../event-fanout.ts';

const HEARTBEAT_MS = 15_000;
const SCOPE_REFRESH_MS = 60_000;
/** Open streams per caller and API instance: a console needs one or two; more is a leak or abuse. */
export const MAX_STREAMS_PER_CALLER = 10;

const eventRoutes: RoutePlugin = async (app, ctx) => {
  // The process's one reader of the live stream (createApiServices builds it; closing the app closes it).
  const fanout = ctx.liveEvents;
  const open = new Set<() => void>();
  const perCaller = new Map<string, number>();
  app.addHook('onClose', async () => {
    for (const end of open) end();
  });

  app.get('/events', {
    schema: {
      tags: ['events'],
      summary: 'Live events as Server-Sent Events (text/event-stream), filtered by the caller\'s scope',
      description:
        'Each message: `id: <stream id>`, `event: <type>`, `data: <LiveEvent JSON>`. Reconnect with the `Last-Event-ID` header ' +
        '(or `lastEventId` query) to resume. `types` keeps only events whose type starts with one of the comma-separated prefixes.',
      querystring: Type.Object(
        {
          types: Type.Optional(Type.String({ pattern: '^[a-z.]{1,40}(,[a-z.]{1,40}){0,20}$', description: 'e.g. rescue.,vehicle.fault' })),
          vin: Type.Optional(Type.String({ pattern: '^[A-HJ-NPR-Z0-9]{17}$' })),
          lastEventId: Type.Optional(Type.String({ pattern: STREAM_ID.source })),
        },
        { additionalProperties: false },
      ),
    },
  }, async (request, reply) => {
    const caller = callerOf(request);
    const header = request.headers['last-event-id'];
    const lastEventId = (typeof header === 'string' ? header : undefined) ?? request.query.lastEventId;
    if (lastEventId !== undefined && !STREAM_ID.test(lastEventId)) {
      throw new ValidationError('headers.last-event-id must be a stream id like 1700000000000-0', [{ field: 'headers.last-event-id', message: 'must look like <ms>-<seq>' }]);
    }
    const callerKey = `${caller.role}:${caller.sub}`;
    if ((perCaller.get(callerKey) ?? 0) >= MAX_STREAMS_PER_CALLER) {
      throw new DomainError('rate_limited', `at most ${MAX_STREAMS_PER_CALLER} open event streams per caller`);
    }
    const prefixes = request.query.types?.split(',');
    const vin = request.query.vin;
    let scope = await ctx.scope.customers(caller);
    let scopeAt = Date.now();

    const wanted = (e: StreamEvent) =>
      eventInScope(caller, e.event, scope) &&
      (!prefixes || prefixes.some((p) => e.event.type.startsWith(p))) &&
      (!vin || e.event.vin === vin);

    let lastSent = lastEventId ?? '0-0';
    // Events wait in `pending` until the response has started and any catch-up has been sent.
    let caughtUp = false;
    const pending: StreamEvent[] = [];
    let send: (events: readonly StreamEvent[]) => void = () => undefined;
    // Subscribed before the answer starts: a client that sees the response headers misses nothing after.
    const unsubscribe = await fanout.subscribe((events) => {
      if (Date.now() - scopeAt > SCOPE_REFRESH_MS) {
        scopeAt = Date.now();
        void ctx.scope.customers(caller).then((s) => (scope = s)).catch(() => undefined);
      }
      if (caughtUp) send(events);
      else pending.push(...events);
    });

    perCaller.set(callerKey, (perCaller.get(callerKey) ?? 0) + 1);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');

    send = (events) => {
      let chunk = '';
      for (const e of events) {
        if (compareStreamIds(e.id, lastSent) <= 0) continue; // already sent during catch-up
        lastSent = e.id;
        if (!wanted(e)) continue;
        chunk += `id: ${e.id}\nevent: ${e.event.type}\ndata: ${JSON.stringify(eventAsSeenBy(caller, e.event))}\n\n`;
      }
      if (chunk) res.write(chunk);
    };
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const left = (perCaller.get(callerKey) ?? 1) - 1;
      if (left > 0) perCaller.set(callerKey, left);
      else perCaller.delete(callerKey);
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(end);
      if (!res.writableEnded) res.end();
    };
    open.add(end);
    request.raw.on('close', end);

    if (lastEventId !== undefined) {
      try {
        send(await fanout.since(lastEventId));
      } catch (err) {
        request.log.warn({ err }, 'SSE catch-up failed');
      }
    }
    caughtUp = true;
    send(pending.splice(0));
  });
};

export default eventRoutes;
