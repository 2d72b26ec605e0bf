/**
 * `posguard start [--config FILE]`: runs the worker until SIGINT or SIGTERM. Without a
 * config (no flag, no POSGUARD_CONFIG) it runs on the embedded simulated exchange with every
 * default. Logs every transition and alert as JSON lines, secrets redacted.
 */
import { configSecrets, defaultConfig, loadConfigFile, resolveConfigPath } from '../config/config.js';
import { createGuard, type GuardEvent } from '../guard/guard.js';
import { createLogger, type Logger } from '../log/logger.js';
import { parseArgs } from './args.js';

export function logGuardEvent(log: Logger, event: GuardEvent): void {
  if (event.type === 'alert') return; // the alert sink logs alerts itself
  if (event.type === 'trouble') {
    log.warn({ error: event.error }, event.message);
    return;
  }
  if (event.type !== 'transition') return;
  const { row, from } = event;
  log.info({ positionId: row.id, account: row.account, symbol: row.symbol, from, to: row.state, size: row.size, reason: row.reason }, `${from} → ${row.state}`);
}

export async function startCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { flags } = parseArgs(args, ['config']);
  const path = resolveConfigPath(flags.config, env);
  const config = path === undefined ? defaultConfig() : await loadConfigFile(path);
  const log = createLogger({ secrets: configSecrets(config) });
  let onHalt: (reason: string) => void = () => {};
  const halted = new Promise<string>((resolve) => {
    onHalt = resolve;
  });
  const guard = await createGuard(config, { log, onEvent: (event) => logGuardEvent(log, event), onHalt: (reason) => onHalt(reason) });
  log.info({ accounts: config.accounts.map((a) => `${a.id} (${a.exchange})`), config: path ?? '(defaults: embedded simulator)', persistence: guard.persistence }, 'posguard is guarding');
  if (guard.persistence === 'memory') log.info('only the embedded simulator is configured: positions are kept in memory, as the simulated exchange does not outlive this process');
  log.info('this version has no HTTP API yet: embed posguard with createGuard() to submit intents (see README)');
  for (const row of await guard.positions()) log.info({ positionId: row.id, account: row.account, symbol: row.symbol, state: row.state }, 'rehydrated');
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // A halted guard refuses intents; the worker exits non-zero so that its process manager
  // restarts it (positions are rehydrated from Redis on the next start).
  const ending = await Promise.race([signal.then((s) => ({ signal: s })), halted.then((reason) => ({ reason }))]);
  if ('reason' in ending) log.error({ reason: ending.reason }, 'posguard halted; exiting so that the process manager restarts the worker');
  else log.info({ signal: ending.signal }, 'stopping');
  await guard.stop();
  log.flush();
  return 'reason' in ending ? 1 : 0;
}
