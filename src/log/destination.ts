/**
 * Where the CLI's log lines go: readable lines (pino-pretty) on a terminal, JSON lines
 * otherwise (a file, a pipe, a container's log collector). Redaction happens before either:
 * the logger redacts each serialized line (`logger.ts`), then hands it to this stream.
 *
 * Touches: the given output stream (stdout unless told).
 *
 * @example
 * const log = createLogger({ level: 'info', destination: logDestination({ pretty: process.stdout.isTTY === true }) });
 */
import { pino, type DestinationStream } from 'pino';
import { build as prettyStream } from 'pino-pretty';

export interface DestinationOptions {
  /** Readable lines instead of JSON (a terminal). */
  readonly pretty: boolean;
  /** Colours in readable lines (a terminal that shows them); `pretty` unless given. */
  readonly colorize?: boolean;
  /** The file descriptor or stream written to; stdout unless given. */
  readonly to?: NodeJS.WritableStream;
}

export function logDestination(options: DestinationOptions): DestinationStream {
  if (!options.pretty)
    return options.to === undefined
      ? pino.destination({ fd: 1, sync: true })
      : (options.to as unknown as DestinationStream);
  return prettyStream({
    colorize: options.colorize ?? true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
    sync: true,
    ...(options.to === undefined ? {} : { destination: options.to }),
  });
}
