// The API's live event stream (`GET /v1/events`, Server-Sent Events) read with fetch rather than
// EventSource, because EventSource cannot send the Authorization header. Reconnects with backoff and
// resumes from the last event id (Last-Event-ID), like EventSource would.
export interface LiveEvent {
  type: string;
  at?: string;
  vin?: string;
  customerId?: string;
  caseId?: string;
  stationIds?: string[];
  data: Record<string, unknown>;
}

export type LiveState = 'connecting' | 'live' | 'down';
export type LiveListener = (event: LiveEvent) => void;

export interface LiveFeed {
  subscribe(listener: LiveListener): () => void;
  onState(listener: (state: LiveState) => void): () => void;
  close(): void;
}

interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Splits a text/event-stream body into messages (the parts of the SSE spec the API uses). */
export function createSseParser(onMessage: (m: SseMessage) => void): (chunk: string) => void {
  let buffer = '';
  let current: { id?: string; event?: string; data: string[] } = { data: [] };
  return (chunk) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (current.data.length) {
          onMessage({
            ...(current.id !== undefined ? { id: current.id } : {}),
            ...(current.event !== undefined ? { event: current.event } : {}),
            data: current.data.join('\n'),
          });
        }
        current = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue; // comment / keep-alive
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') current.data.push(value);
      else if (field === 'event') current.event = value;
      else if (field === 'id') current.id = value;
    }
  };
}

function toLiveEvent(m: SseMessage): LiveEvent | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(m.data);
  } catch {
    return undefined;
  }
  if (!payload || typeof payload !== 'object') return undefined;
  const p = payload as Partial<LiveEvent>;
  const type = typeof p.type === 'string' ? p.type : m.event;
  if (!type) return undefined;
  return { ...p, type, data: p.data && typeof p.data === 'object' ? p.data : {} } as LiveEvent;
}

export function connectLiveFeed(token: string | undefined, path = '/v1/events'): LiveFeed {
  const listeners = new Set<LiveListener>();
  const stateListeners = new Set<(s: LiveState) => void>();
  let state: LiveState = 'connecting';
  let lastId: string | undefined;
  let closed = false;
  let controller: AbortController | undefined;
  let retryMs = 500;

  const setState = (s: LiveState) => {
    state = s;
    for (const l of stateListeners) l(s);
  };

  async function run(): Promise<void> {
    while (!closed) {
      controller = new AbortController();
      setState('connecting');
      try {
        // Without a token the session cookie authenticates (same origin).
        const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), accept: 'text/event-stream' };
        if (lastId) headers['last-event-id'] = lastId;
        const response = await fetch(path, { headers, signal: controller.signal, cache: 'no-store' });
        if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
        setState('live');
        retryMs = 500;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        const feed = createSseParser((m) => {
          if (m.id) lastId = m.id;
          const event = toLiveEvent(m);
          if (event) for (const l of listeners) l(event);
        });
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          feed(value);
        }
      } catch {
        // fall through to the retry below
      }
      if (closed) return;
      setState('down');
      await new Promise((r) => setTimeout(r, retryMs));
      retryMs = Math.min(retryMs * 2, 15_000);
    }
  }
  void run();

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onState(listener) {
      stateListeners.add(listener);
      listener(state);
      return () => stateListeners.delete(listener);
    },
    close() {
      closed = true;
      controller?.abort();
    },
  };
}
