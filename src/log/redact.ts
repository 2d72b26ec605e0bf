/**
 * Secret redaction, pure: by key (any field whose name says it holds a secret) and by value
 * (every configured secret string, wherever it appears inside another string: a Telegram
 * token in a URL path, an SMTP password in a connection string, an error stack).
 *
 * The logger applies `redactLine` to every serialized JSON line; the HTTP API and error
 * reporting can use `redactText` on any text they show.
 *
 * @example
 * const secrets = compileSecrets(configSecrets(config));
 * redactLine('{"msg":"GET https://api.telegram.org/bot123:ABC/getMe"}\n', secrets);
 */

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Words that mark a secret wherever they appear in a key: `clientSecret`, `smtpPassword`. */
const ANYWHERE = new Set([
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
  'passphrase',
  'authorization',
  'auth',
  'cookie',
  'credential',
  'credentials',
  'signature',
  'apikey',
  'apisecret',
]);
/** Words that mark a secret as the last word of a key: `botToken`, `X-BAPI-SIGN`, `pass`. */
const LAST = new Set(['token', 'tokens', 'sign', 'pass']);
/** Endings of the key with its separators removed: `X-BAPI-API-KEY`, `BOTTOKEN`, `privateKey`. */
const ENDINGS = ['apikey', 'secretkey', 'privatekey', 'accesskey', 'token', 'password', 'passphrase', 'signature'];

/**
 * Whether a field of this name holds a secret, by its words, case-insensitively:
 * `apiKey`, `secret`, `token`, `password`, `authorization`, `botToken`, `X-BAPI-API-KEY`,
 * `X-MBX-APIKEY`, `OK-ACCESS-PASSPHRASE`, `signature`, `sign`, … but not `tokenCount` or `design`.
 *
 * @example
 * isSecretKey('X-BAPI-API-KEY'); // true
 */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  const last = words.at(-1);
  if (last === undefined) return false;
  if (LAST.has(last) || words.some((w) => ANYWHERE.has(w))) return true;
  const joined = words.join('');
  return joined.includes('apikey') || ENDINGS.some((e) => joined.endsWith(e));
}

/** Secrets prepared once for repeated use: one pattern, longest secret first. */
export interface CompiledSecrets {
  /** Matches any secret as it is. */
  readonly plain: RegExp | undefined;
  /** Matches any secret as it is or as it appears inside a JSON string (`"` → `\"`). */
  readonly inJson: RegExp | undefined;
}

/**
 * Prepares secrets for `redactLine`; empty strings are dropped.
 *
 * @example
 * const secrets = compileSecrets(['SENTINEL-API-KEY-123']);
 */
export function compileSecrets(secrets: readonly string[]): CompiledSecrets {
  const plain = [...new Set(secrets.filter((s) => s !== ''))].sort((a, b) => b.length - a.length);
  const escaped = plain.map((s) => JSON.stringify(s).slice(1, -1)).filter((s, i) => s !== plain[i]);
  const both = [...new Set([...plain, ...escaped])].sort((a, b) => b.length - a.length);
  return { plain: pattern(plain), inJson: pattern(both) };
}

function pattern(strings: readonly string[]): RegExp | undefined {
  if (strings.length === 0) return undefined;
  return new RegExp(strings.map((s) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|'), 'g');
}

/**
 * Replaces every occurrence of every secret inside `text` with `[redacted]`.
 *
 * @example
 * redactText('smtp://user:hunter2@mail:587', ['hunter2']); // 'smtp://user:[redacted]@mail:587'
 */
export function redactText(text: string, secrets: readonly string[] | CompiledSecrets): string {
  const compiled = isCompiled(secrets) ? secrets : compileSecrets(secrets);
  return compiled.plain === undefined ? text : text.replace(compiled.plain, REDACTED);
}

function isCompiled(secrets: readonly string[] | CompiledSecrets): secrets is CompiledSecrets {
  return !Array.isArray(secrets);
}

/**
 * A copy of a JSON value with secret-named fields replaced by `[redacted]` at any depth
 * (a `null` stays `null`: it reveals nothing) and secrets removed from every string and key.
 * Returns the same value when nothing changed.
 *
 * @example
 * redactValue({ headers: { 'X-BAPI-API-KEY': 'k' }, url: 'https://x/bot123:ABC' }, compileSecrets(['123:ABC']));
 */
export function redactValue(value: unknown, secrets: CompiledSecrets): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) {
    const out = value.map((v) => redactValue(v, secrets));
    return out.some((v, i) => v !== value[i]) ? out : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const k = redactText(key, secrets);
    const v = inner !== null && isSecretKey(key) ? REDACTED : redactValue(inner, secrets);
    if (k !== key || v !== inner) changed = true;
    out[k] = v;
  }
  return changed ? out : value;
}

/** A cheap test: could this line hold a secret-named key? (Every such key contains one of these.) */
const SECRET_KEY_HINT = /key|secret|token|pass|auth|sign|cookie|credential/i;

/**
 * Redacts one serialized log line (pino writes one JSON object per line). A line that is not
 * JSON is redacted as text, secrets in their JSON-escaped form included. A line with nothing
 * to redact is returned as it is, byte for byte.
 *
 * @example
 * redactLine('{"level":30,"apiKey":"k","msg":"hi"}\n', compileSecrets([])); // '{"level":30,"apiKey":"[redacted]","msg":"hi"}\n'
 */
export function redactLine(line: string, secrets: CompiledSecrets): string {
  const hasSecret = secrets.inJson !== undefined && line.search(secrets.inJson) !== -1;
  if (!hasSecret && !SECRET_KEY_HINT.test(line)) return line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return secrets.inJson === undefined ? line : line.replace(secrets.inJson, REDACTED);
  }
  const redacted = redactValue(parsed, secrets);
  if (redacted === parsed) return line;
  return JSON.stringify(redacted) + (line.endsWith('\n') ? '\n' : '');
}
