/**
 * How the CLI reaches a running worker: its URL (`--url`, else `POSGUARD_URL`, else the
 * config's `http.host`/`http.port`, else http://127.0.0.1:7070) and a token (`POSGUARD_TOKEN`,
 * else the config's `http.token`) — never a token on the command line, where `ps` shows it.
 * Answers the JSON body, or throws `ApiUnreachable` / `ApiRefused` with the API's message.
 *
 * Touches: the network (one HTTP request per call); the config file when named.
 *
 * @example
 * const target = await apiTarget({ url: undefined, config: undefined }, process.env);
 * const rows = await callApi(target, 'GET', '/v1/positions');
 */
import { loadConfigFile, resolveConfigPath } from '../config/config.js';
import { PosguardError } from '../domain/errors.js';

export interface ApiTarget {
  readonly url: string;
  readonly token: string | undefined;
}

/** No worker answered at the URL. */
export class ApiUnreachable extends PosguardError {
  readonly code = 'API_UNREACHABLE';
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(
      `no posguard worker answers at ${url} (${reason}); start one with 'posguard start', or point at it with --url or POSGUARD_URL`,
    );
  }
}

/** The API answered with an error status. */
export class ApiRefused extends PosguardError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function apiTarget(
  opts: { readonly url?: string | undefined; readonly config?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): Promise<ApiTarget> {
  const path = resolveConfigPath(opts.config, env);
  const config = path === undefined ? undefined : await loadConfigFile(path);
  let url = opts.url ?? (env.POSGUARD_URL === undefined || env.POSGUARD_URL === '' ? undefined : env.POSGUARD_URL);
  if (url === undefined) {
    const host = config?.http.host ?? '127.0.0.1';
    const reachable =
      host === '0.0.0.0'
        ? '127.0.0.1'
        : host === '::'
          ? '[::1]'
          : host.includes(':') && !host.startsWith('[')
            ? `[${host}]`
            : host;
    url = `http://${reachable}:${config?.http.port ?? 7070}`;
  }
  const token = env.POSGUARD_TOKEN !== undefined && env.POSGUARD_TOKEN !== '' ? env.POSGUARD_TOKEN : config?.http.token;
  return { url: url.replace(/\/+$/, ''), token };
}

export async function callApi(
  target: ApiTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (target.token !== undefined) headers.authorization = `Bearer ${target.token}`;
  if (method === 'POST') headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      method,
      headers,
      ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new ApiUnreachable(target.url, cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e)));
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json ?? {}) as { error?: string; message?: string };
    throw new ApiRefused(
      res.status,
      err.error ?? `HTTP_${res.status}`,
      err.message ?? `the API answered ${res.status}`,
    );
  }
  return json;
}
