/**
 * Every secret value in a config, for the logger's by-value redaction (see docs/architecture.md, Public contracts:
 * the Telegram token sits in a URL path, the SMTP password in a URL).
 *
 * @example
 * const log = createLogger({ secrets: configSecrets(config) });
 */
import type { Config } from './config.js';

/**
 * API keys, secrets and passphrases, the HTTP tokens, the webhook secret, the Telegram bot
 * token, and the password of every URL that embeds `user:password@` (SMTP, Redis, …), both
 * as written and percent-decoded. Non-empty, without duplicates, longest first (so a secret
 * that contains another is replaced whole).
 *
 * @example
 * configSecrets(parseConfig({ alerts: { email: { smtp: 'smtp://u:pw@h', from: 'a@b', to: ['c@d'] } } })); // ['pw']
 */
export function configSecrets(config: Config): string[] {
  const found: (string | undefined)[] = [
    config.http.token,
    ...(config.http.tokens ?? []).map((t) => t.token),
    ...urlPasswords(config.redis),
  ];
  for (const account of config.accounts) {
    found.push(account.apiKey, account.secret, account.password);
    found.push(
      ...urlPasswords(account.urls?.rest),
      ...urlPasswords(account.urls?.ws),
      ...urlPasswords(account.urls?.publicWs),
    );
  }
  const { webhook, telegram, email, heartbeat } = config.alerts;
  found.push(webhook?.secret, ...urlPasswords(webhook?.url));
  found.push(telegram?.botToken, ...urlPasswords(telegram?.apiUrl));
  found.push(...urlPasswords(email?.smtp), ...urlPasswords(heartbeat?.url));
  const unique = new Set(found.filter((s): s is string => s !== undefined && s !== ''));
  return [...unique].sort((a, b) => b.length - a.length);
}

/** The password in `scheme://user:password@host`, as written and decoded. */
function urlPasswords(url: string | undefined): string[] {
  if (url === undefined) return [];
  let password: string;
  try {
    password = new URL(url).password;
  } catch {
    return [];
  }
  if (password === '') return [];
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // a malformed escape: the written form is all there is
  }
  return decoded === password ? [password] : [password, decoded];
}
