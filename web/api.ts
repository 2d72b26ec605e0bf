/**
 * The page's calls to posguard's API: same origin, the session cookie (never a token in a
 * URL), JSON in and out. A refusal is an `ApiError` with the API's status, code and message.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const changes = method !== 'GET';
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: changes
      ? { 'content-type': 'application/json', accept: 'application/json' }
      : { accept: 'application/json' },
    ...(changes ? { body: JSON.stringify(body ?? {}) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json ?? {}) as { error?: string; message?: string; field?: string };
    throw new ApiError(
      res.status,
      e.error ?? `HTTP_${res.status}`,
      e.message ?? `the API answered ${res.status}`,
      e.field,
    );
  }
  return json as T;
}
