/**
 * One JSON POST with a timeout (Node's global `fetch` and `AbortSignal.timeout`), shared by
 * the Telegram and webhook channels. It reports failures as text with every given secret cut
 * out (a bot token in a URL path shows up in undici's "Failed to parse URL from …"), and
 * never quotes the URL itself.
 *
 * Sends: one HTTP request. Touches: nothing else.
 *
 * @example
 * const reply = await postJson(url, body, { timeoutMs: 5_000, secrets: [token] });
 * if (!reply.ok) throw new WebhookSendFailed(reply.problem, reply.status);
 */
import { redactText } from '../log/redact.js';
import { describeError } from './errors.js';

/** The `fetch` a channel uses; the global one unless a test or an embedder gives another. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** How `postJson` sends. */
export interface PostOptions {
  readonly timeoutMs: number;
  /** Secret values to cut out of any failure text. */
  readonly secrets: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch?: FetchLike;
}

/** What came back: a 2xx with its body, or a problem described without secrets (bodies redacted too). */
export type PostReply =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly status: number | undefined; readonly body: string; readonly problem: string };

/** Longest part of a reply body quoted in a problem. */
const MAX_QUOTED = 300;

/**
 * POSTs `body` (already serialized JSON) and resolves with the reply; never throws.
 *
 * @example
 * await postJson('http://127.0.0.1:9000/hook', '{"a":1}', { timeoutMs: 1_000, secrets: [] });
 */
export async function postJson(url: string, body: string, options: PostOptions): Promise<PostReply> {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const secrets = withEncodings(options.secrets);
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    const problem = timedOut ? `no reply within ${options.timeoutMs} ms` : `request failed: ${describeError(e)}`;
    return { ok: false, status: undefined, body: '', problem: redactText(problem, secrets) };
  }
  let text = '';
  try {
    text = await response.text();
  } catch {
    // a reply whose body breaks off: the status is what matters
  }
  if (response.ok) return { ok: true, status: response.status, body: redactText(text, secrets) };
  const quoted = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
  const problem = `HTTP ${response.status}${quoted === '' ? '' : `: ${quoted}`}`;
  return { ok: false, status: response.status, body: redactText(text, secrets), problem: redactText(problem, secrets) };
}

/** Each secret as written and percent-encoded (the form it takes inside a URL). */
function withEncodings(secrets: readonly string[]): string[] {
  return secrets.flatMap((s) => {
    const encoded = encodeURIComponent(s);
    return encoded === s ? [s] : [s, encoded];
  });
}
