/**
 * Which config file to read (see docs/architecture.md, Public contracts): `--config FILE` wins, else
 * `POSGUARD_CONFIG`, else none (posguard runs on the embedded simulator with every default).
 *
 * @example
 * const path = resolveConfigPath(flags.config, process.env);
 * const config = path === undefined ? defaultConfig() : await loadConfigFile(path);
 */
import { InvalidConfig } from '../domain/errors.js';

/**
 * Pure: takes the value of the `--config` flag (undefined when absent) and the environment.
 * An empty `POSGUARD_CONFIG` counts as unset; an empty `--config` is an error.
 *
 * @example
 * resolveConfigPath(undefined, { POSGUARD_CONFIG: '/etc/posguard.json' }); // '/etc/posguard.json'
 */
export function resolveConfigPath(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (flag !== undefined) {
    if (flag.trim() === '') throw new InvalidConfig('', '--config needs a file path');
    return flag;
  }
  const fromEnv = env['POSGUARD_CONFIG'];
  return fromEnv === undefined || fromEnv.trim() === '' ? undefined : fromEnv;
}
