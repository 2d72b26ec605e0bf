/**
 * `posguard sim [--port N]`: serves the wire simulator (Bybit v5 and Binance USD-M over HTTP
 * and WebSocket, one simulated venue with prices moving every second) for paper runs, prints
 * the URLs to put into an account's `urls`, the API key and secret it accepts, and its admin
 * endpoint; runs until SIGINT or SIGTERM. Binds 127.0.0.1.
 *
 * @example
 * posguard sim --port 9001
 */
import { systemClock } from '../clock.js';
import { SimExchange } from '../exchange/sim/index.js';
import { DEFAULT_WIRE_CREDENTIAL, startWireSimulator, type WireSimulator } from '../exchange/wire/index.js';
import { parseArgs, UsageError } from './args.js';

export const DEFAULT_SIM_PORT = 9001;

export interface SimIo {
  /** Where the banner goes (default: stdout). */
  readonly write: (text: string) => void;
  /** Resolves when the simulator should stop (default: SIGINT or SIGTERM). */
  readonly until: (wire: WireSimulator) => Promise<unknown>;
}

/** The text `posguard sim` prints: where to point accounts, and with which key. */
export function simBanner(wire: WireSimulator): string {
  const c = wire.credentials[0] ?? DEFAULT_WIRE_CREDENTIAL;
  const account = (exchange: string, urls: { rest: string; ws: string }) =>
    JSON.stringify({ id: `paper-${exchange}`, exchange, apiKey: c.apiKey, secret: c.secret, urls });
  return [
    `posguard wire simulator listening on ${wire.host}:${wire.port}`,
    '',
    `  Bybit v5         rest ${wire.urls.bybit.rest}   ws ${wire.urls.bybit.ws}`,
    `  Binance USD-M    rest ${wire.urls.binanceusdm.rest}   ws ${wire.urls.binanceusdm.ws}`,
    `  API key          ${c.apiKey}`,
    `  API secret       ${c.secret}   (simulator account '${c.account}'; not a real credential)`,
    `  admin            ${wire.urls.admin}   (GET|POST|DELETE /admin/faults, POST /admin/price, POST /admin/external-position, GET /admin/requests)`,
    '',
    'Accounts for the config file:',
    `  ${account('bybit', wire.urls.bybit)}`,
    `  ${account('binanceusdm', wire.urls.binanceusdm)}`,
    '',
    'Markets: BTC/USDT:USDT, ETH/USDT:USDT, AVL/USDT:USDT (prices move every second). Stop with Ctrl-C.',
    '',
  ].join('\n');
}

function portOf(flag: string | undefined): number {
  if (flag === undefined) return DEFAULT_SIM_PORT;
  const port = Number(flag);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port expects a TCP port (0 to 65535), got ${JSON.stringify(flag)}`);
  return port;
}

const signals = (): Promise<NodeJS.Signals> => new Promise((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});

/** Runs the simulator until `io.until` resolves; see the module header. */
export async function runSim(args: readonly string[], io: SimIo): Promise<number> {
  const { flags, positionals } = parseArgs(args, ['port']);
  if (positionals.length > 0) throw new UsageError(`'posguard sim' takes no arguments (got ${positionals.join(' ')}); usage: posguard sim [--port N]`);
  const port = portOf(flags.port);
  const venue = new SimExchange({ clock: systemClock, seed: 1, priceTickMs: 1_000 });
  let wire: WireSimulator;
  try {
    wire = await startWireSimulator({ venue, port });
  } catch (e) {
    venue.close();
    const reason = e instanceof Error ? e.message : String(e);
    throw new UsageError(`cannot listen on 127.0.0.1:${port} (${reason}); choose another with --port`);
  }
  io.write(simBanner(wire));
  await io.until(wire);
  await wire.close();
  venue.close();
  io.write('posguard wire simulator stopped\n');
  return 0;
}

/** `posguard sim [--port N]`: serves until SIGINT or SIGTERM; the exit code. */
export async function simCommand(args: readonly string[]): Promise<number> {
  return runSim(args, { write: (text) => process.stdout.write(text), until: signals });
}
