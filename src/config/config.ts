/**
 * The posguard config (see docs/architecture.md, Public contracts): parsed with zod, defaults applied, deeply frozen.
 * A config that does not validate throws `InvalidConfig` naming the field
 * (`verification.timeoutMs`, `accounts[1].exchange`) before anything is sent.
 *
 * Receives: a JSON value or a file path. Touches: the file system (`loadConfigFile` only).
 *
 * @example
 * const config = await loadConfigFile('/etc/posguard.json');
 * const log = createLogger({ secrets: configSecrets(config) });
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { InvalidConfig } from '../domain/errors.js';
import { issueReason, problemsOf } from './issues.js';
import type { ConfigProblem } from './issues.js';
import { configSchema } from './schema.js';

export { configSecrets } from './secrets.js';
export { resolveConfigPath } from './config-path.js';

/** Readonly all the way down; primitives (and branded ids) stay as they are. */
export type DeepReadonly<T> = T extends string | number | boolean | bigint | symbol | null | undefined
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : { readonly [K in keyof T]: DeepReadonly<T[K]> };

/** The parsed config: every default applied, frozen. */
export type Config = DeepReadonly<z.output<typeof configSchema>>;
/** What a user may write (the JSON file, or the object given to `createGuard`). */
export type ConfigInput = z.input<typeof configSchema>;
export type AccountConfig = Config['accounts'][number];
export type AlertsConfig = Config['alerts'];
export type VerificationConfig = Config['verification'];
export type SweepsConfig = Config['sweeps'];

/**
 * Validates a config value (already JSON-parsed) and applies the defaults.
 * Throws `InvalidConfig` for the first problem; when there are more, the message lists them all.
 *
 * @example
 * parseConfig({ accounts: [{ id: 'main', exchange: 'bybit', apiKey: k, secret: s }] }).verification.timeoutMs; // 30000
 */
export function parseConfig(raw: unknown): Config {
  const result = validate(raw);
  if ('problems' in result) throw toError(result.problems);
  return result.config;
}

/**
 * The config with every default: one simulated account `paper`, local Redis and HTTP.
 *
 * @example
 * defaultConfig().accounts; // [{ id: 'paper', exchange: 'sim', testnet: false }]
 */
export function defaultConfig(): Config {
  return parseConfig({});
}

/**
 * Reads and validates a JSON config file. A missing or unreadable file, broken JSON, an
 * invalid config and a file that names no accounts (only no config at all runs the embedded
 * simulator) are all `InvalidConfig`, with the path in the message.
 *
 * @example
 * const config = await loadConfigFile(resolveConfigPath(flags.config, process.env) ?? defaultPath);
 */
export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InvalidConfig('', `cannot read config file ${path}: ${readFailure(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new InvalidConfig('', `config file ${path} is not valid JSON: ${jsonFailure(e, text)}`);
  }
  const result = validate(raw);
  if ('problems' in result) throw toError(result.problems, ` (in ${path})`);
  // A file is a deployment: it names its accounts. Only no config at all runs the simulator.
  if ((raw as { accounts?: unknown }).accounts === undefined) {
    throw new InvalidConfig(
      'accounts',
      `required in a config file (in ${path}): name the accounts to guard; ` +
        'to run on the embedded simulator, start posguard with no config at all',
    );
  }
  return result.config;
}

function validate(raw: unknown): { config: Config } | { problems: ConfigProblem[] } {
  const result = configSchema.safeParse(raw, { error: issueReason });
  if (!result.success) return { problems: problemsOf(result.error.issues) };
  return { config: deepFreeze(result.data) };
}

function toError(problems: readonly ConfigProblem[], suffix = ''): InvalidConfig {
  const [first, ...rest] = problems;
  if (first === undefined) return new InvalidConfig('', `does not validate${suffix}`);
  const more = rest.length === 0 ? '' : `; also ${rest.map((p) => `${p.field || '(root)'}: ${p.reason}`).join('; ')}`;
  return new InvalidConfig(first.field, `${first.reason}${more}${suffix}`);
}

function readFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT')
    return 'no such file (check --config or POSGUARD_CONFIG; with neither, posguard runs on the simulator)';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory, not a file';
  return e instanceof Error ? e.message : String(e);
}

/** Where `JSON.parse` stopped, as line and column, when the engine says the position. */
function jsonFailure(e: unknown, text: string): string {
  const message = e instanceof Error ? e.message : String(e);
  if (text.trim() === '') return 'the file is empty';
  const at = /position (\d+)/.exec(message);
  if (at?.[1] === undefined || /line \d+ column \d+/.test(message)) return message;
  const before = text.slice(0, Number(at[1])).split('\n');
  return `${message} (line ${before.length} column ${(before.at(-1)?.length ?? 0) + 1})`;
}

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value as DeepReadonly<T>;
}
