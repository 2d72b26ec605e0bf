/**
 * The one root pino logger (STYLE point 9). Components take a child:
 * `log.child({ component: 'feed', account, positionId })`.
 *
 * Every serialized line passes through `redactLine` (pino's `streamWrite` hook), so
 * redaction covers everything pino writes: the message, fields at any depth, child bindings,
 * and serialized errors (message, stack, cause). Secret-named keys become `[redacted]`; every
 * configured secret string is cut out of every string.
 *
 * Receives: log calls. Touches: the destination stream (stdout unless one is given).
 *
 * @example
 * const log = createLogger({ level: 'debug', secrets: configSecrets(config) });
 * log.child({ component: 'orphan-sweep', account: 'main' }).info({ positionId }, 'adopted');
 */
import { pino } from 'pino';
import type { DestinationStream, Level, Logger } from 'pino';
import { compileSecrets, redactLine } from './redact.js';

export type { Logger } from 'pino';
export { REDACTED, isSecretKey, redactText } from './redact.js';

export interface CreateLoggerOptions {
  /** Minimum level written; `'info'` unless given. */
  readonly level?: Level | 'silent';
  /** Secret values to cut out of every line, e.g. `configSecrets(config)`. */
  readonly secrets?: readonly string[];
  /** Where JSON lines go; stdout unless given. Tests pass an in-memory stream. */
  readonly destination?: DestinationStream;
}

/**
 * Creates the root logger. Errors are serialized under `err` and `error` with pino's error
 * serializer (message, stack, cause) and then redacted like everything else.
 *
 * @example
 * const lines: string[] = [];
 * const log = createLogger({ secrets: ['hunter2'], destination: { write: (s) => lines.push(s) } });
 * log.info({ url: 'smtp://u:hunter2@mail' }, 'connecting'); // lines[0] has "smtp://u:[redacted]@mail"
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const secrets = compileSecrets(options.secrets ?? []);
  return pino(
    {
      level: options.level ?? 'info',
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      // The last step before the stream, for this logger and all its children.
      hooks: { streamWrite: (line) => redactLine(line, secrets) },
    },
    options.destination ?? pino.destination(1),
  );
}

/**
 * A logger that writes nothing: the default of a component given none (a library user who
 * passed no logger). One instance, shared.
 *
 * @example
 * const log = options.log ?? silentLogger();
 */
export function silentLogger(): Logger {
  SILENT ??= pino({ level: 'silent' }, { write: () => {} });
  return SILENT;
}

let SILENT: Logger | undefined;
