/**
 * The private streams the wire simulator serves, by venue format and account, so that a test
 * can push a raw venue message (a recorded-shape fixture) to the real client behind them.
 * Receives registrations from the sessions; sends injected messages to them; touches nothing else.
 *
 * @example
 * const off = streams.add('binanceusdm', 'main', send); streams.inject('binanceusdm', 'main', { e: 'ALGO_UPDATE', … }); off();
 */

/** The wire formats with a private stream. */
export type StreamFormat = 'bybit' | 'binanceusdm';

export class StreamRegistry {
  private readonly streams = new Set<{
    readonly format: StreamFormat;
    readonly account: string;
    readonly send: (message: unknown) => void;
  }>();

  /** Registers one open stream; returns its removal. */
  add(format: StreamFormat, account: string, send: (message: unknown) => void): () => void {
    const entry = { format, account, send };
    this.streams.add(entry);
    return () => this.streams.delete(entry);
  }

  /** Sends `message` as it is on every open stream of `account` in `format`; returns how many. */
  inject(format: StreamFormat, account: string, message: unknown): number {
    let n = 0;
    for (const s of this.streams) {
      if (s.format !== format || s.account !== account) continue;
      s.send(message);
      n++;
    }
    return n;
  }
}
