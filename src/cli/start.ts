/**
 * `posguard start [--config FILE]`: runs a worker with its HTTP API until SIGINT or SIGTERM,
 * and prints where the API is served. With no config at all (no flag, no POSGUARD_CONFIG) it
 * runs on the embedded simulated exchange, and says loudly that this is paper mode; a config
 * file must name its accounts. `POSGUARD_HTTP_TOKEN` supplies `http.token` when the file has
 * none (a container's secret). A halted guard makes the worker exit non-zero, so that its
 * process manager restarts it.
 */
import { configSecrets, defaultConfig, loadConfigFile, parseConfig, resolveConfigPath, type Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { startService } from '../service/service.js';
import { EXIT } from './exit-codes.js';
import { LifecycleLog } from './lifecycle-log.js';

export interface StartSettings {
  readonly config?: string | undefined;
}

export interface StartIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The logger, made from the config's secrets. */
  readonly logger: (secrets: readonly string[]) => Logger;
  /** Resolves when the worker should stop (SIGINT or SIGTERM by default). */
  readonly until: Promise<unknown>;
  /** Told the API's URL once it is served (tests). */
  readonly onServing?: (url: string) => void;
  /** Overrides `http.port` (tests: 0, a free port). */
  readonly port?: number;
}

/** The config `start` runs with: the file's, the HTTP token from the environment when the file has none. */
export async function startConfig(path: string | undefined, env: Readonly<Record<string, string | undefined>>): Promise<Config> {
  const config = path === undefined ? defaultConfig() : await loadConfigFile(path);
  const token = env.POSGUARD_HTTP_TOKEN;
  if (token === undefined || token === '' || config.http.token !== undefined) return config;
  return parseConfig({ ...config, http: { ...config.http, token } } as never);
}

export async function runStart(settings: StartSettings, io: StartIo): Promise<number> {
  const path = resolveConfigPath(settings.config, io.env);
  const config = await startConfig(path, io.env);
  const log = io.logger(configSecrets(config));
  const lifecycle = new LifecycleLog(log, Date.now);
  if (path === undefined) {
    log.warn('PAPER MODE: no config given (no --config, no POSGUARD_CONFIG): posguard runs on the embedded simulated exchange; '
      + 'nothing reaches a real venue, and positions live in memory only');
  }
  let onHalt: (reason: string) => void = () => {};
  const halted = new Promise<string>((resolve) => {
    onHalt = resolve;
  });
  const service = await startService(config, { log, onEvent: (e) => lifecycle.write(e), onHalt: (reason) => onHalt(reason), ...(io.port === undefined ? {} : { port: io.port }) });
  log.info({ accounts: config.accounts.map((a) => `${a.id} (${a.exchange})`), config: path ?? '(none: embedded simulator)', persistence: service.guard.persistence },
    `posguard is guarding ${config.accounts.length} account${config.accounts.length === 1 ? '' : 's'}`);
  log.info({ url: service.url, access: config.http.token !== undefined || (config.http.tokens ?? []).length > 0 ? 'a token is required' : 'open to this machine only' },
    `API served on ${service.url} (positions: ${service.url}/v1/positions, events: ${service.url}/v1/events, metrics: ${service.url}/metrics)`);
  if (path === undefined) {
    log.info(`submit an intent: posguard open paper AVL/USDT:USDT buy 43 --stop 0.21   (or POST ${service.url}/v1/positions)`);
  }
  io.onServing?.(service.url);
  const ending = await Promise.race([io.until.then(() => ({ signal: true as const })), halted.then((reason) => ({ reason }))]);
  if ('reason' in ending) log.error({ reason: ending.reason }, 'posguard halted; exiting so that the process manager restarts the worker');
  else log.info('stopping');
  await service.stop();
  log.flush();
  return 'reason' in ending ? EXIT.failed : EXIT.ok;
}
