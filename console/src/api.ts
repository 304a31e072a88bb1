// HTTP client of the fleet API: the session cookie (with the session's CSRF token on every change) or an
// operator's bearer token on every call, the API's one error format `{error, message, details}` turned
// into ApiError.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

export function createApi(credentials: { token?: string; csrfToken?: string }, onUnauthenticated: () => void): Api {
  async function call<T>(method: string, path: string, query?: Query, body?: unknown): Promise<T> {
    const url = new URL(path, location.origin);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credentials.token) headers['authorization'] = `Bearer ${credentials.token}`;
    else if (method !== 'GET' && credentials.csrfToken) headers['x-csrf-token'] = credentials.csrfToken;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (err) {
      throw new ApiError(0, 'network', `the API is not reachable (${(err as Error).message})`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const e = (parsed ?? {}) as { error?: string; message?: string; details?: unknown };
      if (response.status === 401) onUnauthenticated();
      throw new ApiError(response.status, e.error ?? `http_${response.status}`, e.message ?? response.statusText, e.details);
    }
    return parsed as T;
  }
  return {
    get: (path, query) => call('GET', path, query),
    post: (path, body) => call('POST', path, undefined, body ?? {}),
  };
}

/** The items of a list answer, whatever the envelope (`[...]`, `{items}`, `{data}`). */
export function itemsOf<T>(answer: unknown): T[] {
  if (Array.isArray(answer)) return answer as T[];
  if (answer && typeof answer === 'object') {
    for (const key of ['items', 'data', 'results', 'cases', 'rescues', 'vehicles']) {
      const v = (answer as Record<string, unknown>)[key];
      if (Array.isArray(v)) return v as T[];
    }
  }
  return [];
}
