/**
 * What each `posguard` command does once its command line is parsed (`program.ts`): the
 * default runner of the real CLI, on this process's stdin, stdout, stderr, environment and
 * signals.
 */
import { createInterface } from 'node:readline/promises';
import type { Level } from 'pino';
import { apiTarget } from './api-client.js';
import type { ClientIo } from './client-commands.js';
import type { Invocation, Runner } from './program.js';
import { UsageError } from './args.js';

const signals = (): Promise<NodeJS.Signals> =>
  new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

async function confirmOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export interface RunnerIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (text: string) => void;
  /** Asks yes/no on the terminal; `undefined` without one (then `flatten` needs `--yes`). */
  readonly confirm: ((question: string) => Promise<boolean>) | undefined;
}

/** This process's environment, stdout and terminal. */
function processIo(): RunnerIo {
  return {
    env: process.env,
    out: (text) => process.stdout.write(text),
    confirm: process.stdin.isTTY === true ? confirmOnTerminal : undefined,
  };
}

export function defaultRunner(runnerIo: RunnerIo = processIo()): Runner {
  const env = runnerIo.env;
  return async ({ command, args, options }: Invocation) => {
    const o = options as Record<string, string | boolean | undefined>;
    const str = (k: string) => (typeof o[k] === 'string' ? o[k] : undefined);
    const io: ClientIo = { out: runnerIo.out, confirm: runnerIo.confirm, now: Date.now };
    // Each command loads what it needs only: `--help` and the API client start in a blink,
    // without the exchange libraries the worker needs.
    const client = await import('./client-commands.js');
    const target = () => apiTarget({ url: str('url'), config: str('config') }, env);
    const asJson = o.json === true;
    switch (command) {
      case 'start': {
        const [{ runStart }, { createLogger }, { logDestination }] = await Promise.all([
          import('./start.js'),
          import('../log/logger.js'),
          import('../log/destination.js'),
        ]);
        return runStart(
          { config: str('config'), inspect: o.inspect === true ? true : str('inspect') },
          {
            env,
            until: signals(),
            logger: (secrets) =>
              createLogger({
                level: (str('logLevel') ?? 'info') as Level,
                secrets,
                destination: logDestination({ pretty: process.stdout.isTTY === true }),
              }),
          },
        );
      }
      case 'demo':
        return (await import('./demo.js')).demoCommand();
      case 'sim': {
        const { simCommand, simPort } = await import('./sim.js');
        return simCommand({ port: simPort(str('port')), host: str('host') ?? '127.0.0.1' });
      }
      case 'status':
        return client.status(
          await target(),
          {
            json: asJson,
            ...(str('state') === undefined ? {} : { state: str('state') }),
            ...(str('account') === undefined ? {} : { account: str('account') }),
          },
          io,
        );
      case 'open': {
        const [account = '', symbol = '', side = '', amount = ''] = args;
        return client.open(
          await target(),
          {
            account,
            symbol,
            side,
            amount,
            json: asJson,
            ...(str('stop') === undefined ? {} : { stop: str('stop') }),
            ...(str('key') === undefined ? {} : { key: str('key') }),
          },
          io,
        );
      }
      case 'close':
        return client.close(await target(), args[0] ?? '', { json: asJson }, io);
      case 'halt':
      case 'resume':
        return client.haltOrResume(
          await target(),
          command,
          args[0] ?? '',
          { json: asJson, ...(str('reason') === undefined ? {} : { reason: str('reason') }) },
          io,
        );
      case 'flatten':
        return client.flatten(await target(), args[0] ?? '', { yes: o.yes === true }, io);
      case 'alerts':
        return client.alerts(await target(), { json: asJson }, io);
      case 'sweep':
        return client.sweep(
          await target(),
          args[0] ?? '',
          { json: asJson, ...(str('account') === undefined ? {} : { account: str('account') }) },
          io,
        );
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  };
}
