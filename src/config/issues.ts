/**
 * Turns zod issues into config problems: a dotted field path with indices
 * (`accounts[1].exchange`) and a reason that says what was expected. Strings the user wrote
 * are never echoed (they may be secrets); numbers and enum choices are.
 *
 * @example
 * const r = configSchema.safeParse(raw, { error: issueReason });
 * if (!r.success) problemsOf(r.error.issues); // [{ field: 'verification.timeoutMs', reason: 'expected …' }]
 */
import type { z } from 'zod';

/** One thing wrong with a config, named by its field path. */
export interface ConfigProblem {
  readonly field: string;
  readonly reason: string;
}

/** `accounts[1].urls.ws`; keys that are not identifiers are quoted: `alerts["bad key"]`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

/** The problems of a failed parse, in zod's order (the order of the fields in the file). */
export function problemsOf(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.map((issue) => {
    const path =
      issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...issue.path, issue.keys[0]] : issue.path;
    return { field: formatPath(path), reason: issue.message };
  });
}

/**
 * A zod error map for `safeParse(raw, { error: issueReason })`: the reason for issues whose
 * schema did not set its own message.
 */
export function issueReason(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return `required (expected ${noun(issue.expected)})`;
      // A number given where a string was expected may be a numeric password: name its type only.
      const numeric = issue.expected === 'number' || issue.expected === 'int';
      return `expected ${noun(issue.expected)}, got ${numeric ? describe(issue.input) : typeName(issue.input)}`;
    }
    case 'too_small':
      if (issue.origin === 'number' || issue.origin === 'int') {
        const expected =
          !issue.inclusive && Number(issue.minimum) === 0 ? 'a positive integer' : `at least ${issue.minimum}`;
        return `expected ${expected}, got ${describe(issue.input)}`;
      }
      if (issue.origin === 'string') return 'expected a non-empty string';
      if (issue.origin === 'array')
        return `expected at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      return undefined;
    case 'too_big':
      if (issue.origin === 'number' || issue.origin === 'int')
        return `expected at most ${issue.maximum}, got ${describe(issue.input)}`;
      return undefined;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeChoice(issue.input)}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'expected a valid URL' : `expected a valid ${issue.format}`;
    default:
      return undefined;
  }
}

function noun(expected: string): string {
  switch (expected) {
    case 'number':
    case 'int':
      return 'a positive integer';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    default:
      return expected;
  }
}

/** A number or boolean given to a numeric field is shown; anything else by its type only. */
function describe(input: unknown): string {
  return typeof input === 'number' || typeof input === 'boolean' ? String(input) : typeName(input);
}

function typeName(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  switch (typeof input) {
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'string':
      return 'a string';
    case 'object':
      return 'an object';
    default:
      return typeof input;
  }
}

/** Enum fields are not secrets, so a short string is worth echoing: it shows the typo. */
function describeChoice(input: unknown): string {
  return typeof input === 'string' && input.length <= 32 ? JSON.stringify(input) : describe(input);
}
