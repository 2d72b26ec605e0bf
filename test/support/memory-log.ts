/**
 * A real pino logger (`createLogger`, redaction included) writing its JSON lines into memory,
 * so a test reads what a worker would have written: `lines()` parsed, `raw()` as written.
 *
 * @example
 * const mem = memoryLog({ secrets: ['hunter2'] });
 * createGuard(config, { log: mem.log });
 * await mem.until((l) => l.msg === 'reply dropped: it does not normalise');
 */
import { createLogger, type Logger } from '../../src/log/logger.js';

export interface LogLine extends Record<string, unknown> {
  readonly level: number;
  readonly msg: string;
}

export interface MemoryLog {
  readonly log: Logger;
  /** Every line written so far, parsed. */
  lines(): LogLine[];
  /** Every line written so far, as written (to look for what must never appear). */
  raw(): string;
  /** Waits (real time) for a line that matches; rejects after `ms` naming what was written. */
  until(match: (line: LogLine) => boolean, ms?: number): Promise<LogLine>;
}

/** `level` `debug` unless given; `secrets` as the CLI passes `configSecrets(config)`. */
export function memoryLog(options: { secrets?: readonly string[]; level?: 'debug' | 'info' | 'warn' } = {}): MemoryLog {
  const chunks: string[] = [];
  const log = createLogger({
    level: options.level ?? 'debug',
    secrets: options.secrets ?? [],
    destination: {
      write: (s: string) => {
        chunks.push(s);
      },
    },
  });
  const raw = () => chunks.join('');
  const lines = () =>
    raw()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as LogLine);
  return {
    log,
    raw,
    lines,
    until: async (match, ms = 10_000) => {
      const until = Date.now() + ms;
      for (;;) {
        const found = lines().find(match);
        if (found !== undefined) return found;
        if (Date.now() >= until)
          throw new Error(
            `no such log line within ${ms} ms; written: ${lines()
              .map((l) => l.msg)
              .join(' | ')}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
