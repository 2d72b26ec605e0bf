/**
 * What of a configured URL may be said in a message, and what may not. Webhook and dead-man
 * URLs often carry their token in the path or query (`https://hooks.example.org/T0/B0/XYZ`,
 * `https://hc-ping.com/<uuid>`), so messages name the host only, and the path segments,
 * query and password are cut out of any text that might quote them.
 *
 * @example
 * urlHost('https://u:pw@hooks.example.org/abc/secret-path'); // 'hooks.example.org'
 */

/** The host (and port) of a URL, without credentials or path. */
export function urlHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(the configured URL)';
  }
}

/**
 * The parts of a URL that may be secret, for redaction: the password, the query, and every
 * path segment of 8 characters or more (shorter ones, such as `hook`, are words, not tokens).
 *
 * @example
 * urlSecrets('https://hc-ping.com/0f2c6a1e-aaaa'); // ['0f2c6a1e-aaaa']
 */
export function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    const parts = [u.password, decodeSafe(u.password), u.search.slice(1), ...u.pathname.split('/')];
    return [...new Set(parts.filter((p) => p.length >= 8))];
  } catch {
    return [];
  }
}

function decodeSafe(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
