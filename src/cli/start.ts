/**
 * `posguard start [--config FILE]`: runs a worker with its HTTP API until SIGINT or SIGTERM,
 * and prints where the API is served. With no config at all (no flag, no POSGUARD_CONFIG) it
 * runs on the embedded simulated exchange, and says loudly that this is paper mode; a config
 * file must name its accounts. `POSGUARD_HTTP_TOKEN` supplies `http.token` when the file has
 * none (a container's secret). A halted guard makes the worker exit non-zero, so that its
 * process manager restarts it.
 */
import {
  configSecrets,
  defaultConfig,
  loadConfigFile,
  parseConfig,
  resolveConfigPath,
  type Config,
} from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { startService } from '../service/service.js';
import { EXIT } from './exit-codes.js';
import { compileSecrets } from '../log/redact.js';
import {
  redactingInspector,
  startInspectorRelay,
  type InspectorRelay,
  type RedactingInspector,
} from '../service/inspector.js';
import { UsageError } from './args.js';
import { LifecycleLog } from './lifecycle-log.js';

export interface StartSettings {
  readonly config?: string | undefined;
  /** `--inspect [port]`: relay the actors to the Stately inspector (8080 unless a port is given). */
  readonly inspect?: true | string | undefined;
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
  /** Told where the inspector's relay listens (tests). */
  readonly onInspector?: (relay: InspectorRelay) => void;
}

/** The relay's port from `--inspect [port]` (8080 when none is given). */
function inspectPort(value: true | string): number {
  if (value === true) return 8080;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new UsageError(`--inspect takes a TCP port (0 to 65535), not '${value}'`);
  return n;
}

/** The config `start` runs with: the file's, the HTTP token from the environment when the file has none. */
export async function startConfig(
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Config> {
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
    log.warn(
      'PAPER MODE: no config given (no --config, no POSGUARD_CONFIG): posguard runs on the embedded simulated exchange; ' +
        'nothing reaches a real venue, and positions live in memory only',
    );
  }
  const inspection =
    settings.inspect === undefined
      ? undefined
      : await startInspection(inspectPort(settings.inspect), configSecrets(config), log);
  if (inspection !== undefined) io.onInspector?.(inspection.relay);
  let onHalt: (reason: string) => void = () => {};
  const halted = new Promise<string>((resolve) => {
    onHalt = resolve;
  });
  let service: Awaited<ReturnType<typeof startService>>;
  try {
    service = await startService(config, {
      log,
      onEvent: (e) => lifecycle.write(e),
      onHalt: (reason) => onHalt(reason),
      ...(io.port === undefined ? {} : { port: io.port }),
      ...(inspection === undefined ? {} : { inspect: inspection.inspector.inspect }),
    });
  } catch (e) {
    await inspection?.stop();
    throw e;
  }
  log.info(
    {
      accounts: config.accounts.map((a) => `${a.id} (${a.exchange})`),
      config: path ?? '(none: embedded simulator)',
      persistence: service.guard.persistence,
    },
    `posguard is guarding ${config.accounts.length} account${config.accounts.length === 1 ? '' : 's'}`,
  );
  log.info(
    {
      url: service.url,
      access:
        config.http.token !== undefined || (config.http.tokens ?? []).length > 0
          ? 'a token is required'
          : 'open to this machine only',
    },
    `API served on ${service.url} (positions: ${service.url}/v1/positions, events: ${service.url}/v1/events, metrics: ${service.url}/metrics)`,
  );
  log.info(
    { url: `${service.url}/` },
    `dashboard: ${service.url}/   (bull-board: ${service.guard.persistence === 'redis' ? `${service.url}/queues` : 'with Redis only'})`,
  );
  if (path === undefined) {
    log.info(
      `submit an intent: posguard open paper AVL/USDT:USDT buy 43 --stop 0.21   (or POST ${service.url}/v1/positions)`,
    );
  }
  io.onServing?.(service.url);
  const ending = await Promise.race([
    io.until.then(() => ({ signal: true as const })),
    halted.then((reason) => ({ reason })),
  ]);
  if ('reason' in ending)
    log.error({ reason: ending.reason }, 'posguard halted; exiting so that the process manager restarts the worker');
  else log.info('stopping');
  await service.stop();
  await inspection?.stop();
  log.flush();
  return 'reason' in ending ? EXIT.failed : EXIT.ok;
}

/** The relay and the inspector of `--inspect`, started before the guard so that no actor is missed. */
async function startInspection(
  port: number,
  secrets: readonly string[],
  log: Logger,
): Promise<{ relay: InspectorRelay; inspector: RedactingInspector; stop(): Promise<void> }> {
  const compiled = compileSecrets(secrets);
  const relay = await startInspectorRelay({ port, secrets: compiled });
  const inspector = redactingInspector(relay.url, compiled);
  log.warn(
    { page: relay.page, relay: relay.url },
    `Stately inspector: open ${relay.page} in a browser that reaches stately.ai. The relay listens on 127.0.0.1 only and has no auth: ` +
      `anyone on this machine can read the actors (secrets redacted). From another machine: ssh -L ${relay.port}:127.0.0.1:${relay.port} this-host`,
  );
  return {
    relay,
    inspector,
    stop: async () => {
      inspector.stop();
      await relay.close();
    },
  };
}
