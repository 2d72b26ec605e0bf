/**
 * `posguard sim [--port N] [--host H]`: serves the wire simulator (Bybit v5 and Binance USD-M
 * over HTTP and WebSocket, one simulated venue with prices moving every second, each venue on
 * its own simulated account) for paper runs, prints
 * the URLs to put into an account's `urls`, the API key and secret it accepts, and its admin
 * endpoint; runs until SIGINT or SIGTERM. Binds 127.0.0.1 unless `--host` says otherwise.
 *
 * @example
 * posguard sim --port 9001
 */
import { systemClock } from '../clock.js';
import { SimExchange } from '../exchange/sim/index.js';
import { DEFAULT_WIRE_CREDENTIAL, startWireSimulator, type WireSimulator } from '../venue-simulator/index.js';
import { parseArgs, UsageError } from './args.js';

const DEFAULT_SIM_PORT = 9001;

export interface SimIo {
  /** Where the banner goes (default: stdout). */
  readonly write: (text: string) => void;
  /** Resolves when the simulator should stop (default: SIGINT or SIGTERM). */
  readonly until: (wire: WireSimulator) => Promise<unknown>;
}

/**
 * The simulator's keys: one per venue, each on its own simulated account, so that a Bybit and
 * a Binance account of one config do not see (and sweep as orphans) each other's positions.
 */
export const SIM_CREDENTIALS = {
  bybit: { apiKey: 'posguard-sim-key-bybit', secret: 'posguard-sim-secret-bybit', account: 'paper-bybit' },
  binanceusdm: {
    apiKey: 'posguard-sim-key-binance',
    secret: 'posguard-sim-secret-binance',
    account: 'paper-binanceusdm',
  },
} as const;

/** The text `posguard sim` prints: where to point accounts, and with which key. */
function simBanner(wire: WireSimulator): string {
  const keyOf = (exchange: keyof typeof SIM_CREDENTIALS) =>
    wire.credentials.find((c) => c.account === SIM_CREDENTIALS[exchange].account) ??
    wire.credentials[0] ??
    DEFAULT_WIRE_CREDENTIAL;
  const account = (exchange: keyof typeof SIM_CREDENTIALS, urls: { rest: string; ws: string }) => {
    const c = keyOf(exchange);
    return JSON.stringify({ id: `paper-${exchange}`, exchange, apiKey: c.apiKey, secret: c.secret, urls });
  };
  const by = keyOf('bybit');
  const bn = keyOf('binanceusdm');
  return [
    `posguard wire simulator listening on ${wire.host}:${wire.port}`,
    '',
    `  Bybit v5         rest ${wire.urls.bybit.rest}   ws ${wire.urls.bybit.ws}   public ws ${wire.urls.bybit.publicWs}`,
    `                   key ${by.apiKey}  secret ${by.secret}  (simulated account '${by.account}')`,
    `  Binance USD-M    rest ${wire.urls.binanceusdm.rest}   ws ${wire.urls.binanceusdm.ws}`,
    `                   key ${bn.apiKey}  secret ${bn.secret}  (simulated account '${bn.account}')`,
    `  admin            ${wire.urls.admin}   (GET|POST|DELETE /admin/faults, POST /admin/price, POST /admin/external-position, GET /admin/requests)`,
    '',
    'Each venue trades on its own simulated account; these keys are not real credentials.',
    'Accounts for the config file:',
    `  ${account('bybit', wire.urls.bybit)}`,
    `  ${account('binanceusdm', wire.urls.binanceusdm)}`,
    '',
    'Markets: BTC/USDT:USDT, ETH/USDT:USDT, AVL/USDT:USDT (prices move every second). Stop with Ctrl-C.',
    '',
  ].join('\n');
}

/** The `--port` of `posguard sim` (9001 unless given). */
export function simPort(flag: string | undefined): number {
  if (flag === undefined) return DEFAULT_SIM_PORT;
  const port = Number(flag);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port expects a TCP port (0 to 65535), got ${JSON.stringify(flag)}`);
  return port;
}

const signals = (): Promise<NodeJS.Signals> =>
  new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

export interface SimSettings {
  readonly port: number;
  /** 127.0.0.1 unless given (a container binds 0.0.0.0 to be reached by its neighbours). */
  readonly host?: string;
}

/** Runs the simulator until `io.until` resolves; see the module header. */
export async function serveSim(settings: SimSettings, io: SimIo): Promise<number> {
  const { port } = settings;
  const host = settings.host ?? '127.0.0.1';
  const venue = new SimExchange({ clock: systemClock, seed: 1, priceTickMs: 1_000 });
  let wire: WireSimulator;
  try {
    wire = await startWireSimulator({
      venue,
      port,
      host,
      credentials: [SIM_CREDENTIALS.bybit, SIM_CREDENTIALS.binanceusdm],
    });
  } catch (e) {
    venue.close();
    const reason = e instanceof Error ? e.message : String(e);
    throw new UsageError(`cannot listen on ${host}:${port} (${reason}); choose another with --port`);
  }
  io.write(simBanner(wire));
  await io.until(wire);
  await wire.close();
  venue.close();
  io.write('posguard wire simulator stopped\n');
  return 0;
}

/** As `serveSim`, from command-line words (`--port N`, `--host H`). */
export async function runSim(args: readonly string[], io: SimIo): Promise<number> {
  const { flags, positionals } = parseArgs(args, ['port', 'host']);
  if (positionals.length > 0)
    throw new UsageError(
      `'posguard sim' takes no arguments (got ${positionals.join(' ')}); usage: posguard sim [--port N] [--host H]`,
    );
  return serveSim({ port: simPort(flags.port), ...(flags.host === undefined ? {} : { host: flags.host }) }, io);
}

/** `posguard sim`: serves until SIGINT or SIGTERM; the exit code. */
export async function simCommand(settings: SimSettings): Promise<number> {
  return serveSim(settings, { write: (text) => process.stdout.write(text), until: signals });
}
