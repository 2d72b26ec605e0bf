/**
 * A small flag parser for the CLI: `--name value` or `--name=value`, and positionals.
 * Unknown flags are usage errors (a typo must not be ignored).
 */
import { PosguardError } from '../domain/errors.js';

export class UsageError extends PosguardError {
  readonly code = 'USAGE';
}

export interface ParsedArgs {
  readonly flags: Readonly<Record<string, string>>;
  readonly positionals: readonly string[];
}

export function parseArgs(args: readonly string[], known: readonly string[]): ParsedArgs {
  const flags: Record<string, string> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (!known.includes(name))
      throw new UsageError(`unknown option --${name} (expected ${known.map((k) => `--${k}`).join(', ') || 'none'})`);
    const value = inline ?? args[++i];
    if (value === undefined || value === '') throw new UsageError(`option --${name} needs a value`);
    flags[name] = value;
  }
  return { flags, positionals };
}
