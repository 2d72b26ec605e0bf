/**
 * The conformance fixtures: replies and stream messages of our own, in the shape of real venue
 * replies, each naming what it follows (`follows`: ccxt's recorded reply and key, or the venue's
 * documentation). Loaded from `fixtures/<venue>/<name>.json`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Fixture<T = unknown> {
  readonly follows: string;
  readonly note?: string;
  readonly reply: T;
}

export interface CaseFixture<C> {
  readonly follows: string;
  readonly note?: string;
  readonly cases: readonly C[];
}

/** A fixture file as parsed JSON; `follows` is required. */
export function fixture<T>(path: string): T {
  const url = new URL(`./fixtures/${path}`, import.meta.url);
  const parsed = JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as T & { follows?: unknown };
  if (typeof parsed.follows !== 'string' || parsed.follows === '')
    throw new Error(`fixture ${path} does not say what it follows`);
  return parsed;
}
