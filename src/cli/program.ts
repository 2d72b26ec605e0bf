/**
 * The `posguard` command line (commander): every command, its arguments and options, its
 * `--help`, and `--version`. `buildProgram` only parses; what a command does is the runner's,
 * so the same parser serves the real CLI and the tests that check the commands a deployment
 * file names. Exit codes: `exit-codes.ts`.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), defaultCliIo());
 */
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { errorText, PosguardError } from '../domain/errors.js';
import { UsageError } from './args.js';
import { EXIT, EXIT_CODES_HELP, exitCodeOf } from './exit-codes.js';

/** A parsed command line: the command, its positional arguments and its options. */
export interface Invocation {
  readonly command: string;
  readonly args: readonly string[];
  readonly options: Readonly<Record<string, unknown>>;
}

export type Runner = (invocation: Invocation) => Promise<number>;

export interface ProgramIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

const MORE_HELP = `
The config file is JSON (see README); POSGUARD_CONFIG names it when --config is absent.
With no config at all, 'start' runs on the embedded simulated exchange (paper mode).
Commands that talk to a running worker find it with --url, POSGUARD_URL, or the config's
http.host/http.port (default http://127.0.0.1:7070), and send POSGUARD_TOKEN (or the
config's http.token) as their bearer token.

${EXIT_CODES_HELP}`;

/** A positional word where none is expected: most often a config path without `--config`. */
function noArguments(name: string, args: readonly string[]): void {
  const first = args[0];
  if (first === undefined) return;
  const hint =
    /\.json$/i.test(first) || first.includes('/') ? `; to read the config file ${first}, say --config ${first}` : '';
  throw new UsageError(`'posguard ${name}' takes no arguments (got '${args.join(' ')}')${hint}`);
}

export function buildProgram(io: ProgramIo, run: Runner): Command {
  const program = new Command('posguard')
    .description('guards every position a trading bot opens on a crypto derivatives exchange')
    .version(VERSION, '-V, --version', 'print the version')
    .helpCommand('help [command]', 'help for a command')
    .showHelpAfterError('(posguard --help lists the commands)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .addHelpText('after', MORE_HELP);

  const invoke = (command: string, args: readonly string[], options: Record<string, unknown>) =>
    run({ command, args, options });
  const client = (c: Command) =>
    c
      .option('--config <file>', 'read the API URL and token from this config file')
      .option('--url <url>', 'the worker API URL (default: POSGUARD_URL, the config, http://127.0.0.1:7070)')
      .option('--json', "print the API's JSON answer");
  const cmd = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .exitOverride()
      .configureOutput({ writeOut: io.out, writeErr: io.err });

  cmd('start', 'run a worker with its HTTP API (the embedded simulator when there is no config at all)')
    .option('--config <file>', 'the config file (default: POSGUARD_CONFIG)')
    .addOption(new Option('--log-level <level>', 'the lowest level logged').choices(LOG_LEVELS).default('info'))
    .option(
      '--inspect [port]',
      'relay the position actors to the Stately inspector on 127.0.0.1:PORT (8080); open that page in a browser that reaches stately.ai',
    )
    .allowExcessArguments(true)
    .action(async (options: Record<string, unknown>, c: Command) => {
      noArguments('start', c.args);
      await invoke('start', [], options);
    });

  cmd('demo', 'replay the AVLUSDT incident on the simulator, step by step').action(
    async (options: Record<string, unknown>) => {
      await invoke('demo', [], options);
    },
  );

  cmd('sim', 'serve the wire simulator (Bybit v5 and Binance USD-M, each on its own simulated account)')
    .option('--port <n>', 'the TCP port', '9001')
    .option('--host <address>', 'the address to bind', '127.0.0.1')
    .action(async (options: Record<string, unknown>) => {
      await invoke('sim', [], options);
    });

  client(cmd('status', 'list the positions: state, time in state, protection'))
    .option('--state <state>', 'only positions in this state')
    .option('--account <id>', 'only positions of this account')
    .allowExcessArguments(true)
    .action(async (options: Record<string, unknown>, c: Command) => {
      noArguments('status', c.args);
      await invoke('status', [], options);
    });

  client(cmd('open', 'submit an intent to the running worker'))
    .argument('<account>', 'the account id')
    .argument('<symbol>', 'the market, e.g. AVL/USDT:USDT')
    .argument('<side>', 'buy or sell')
    .argument('<amount>', "in contracts (the market's step)")
    .option('--stop <price>', 'the stop-loss price')
    .option('--key <idempotencyKey>', 'the same key twice opens one position')
    .action(async (account: string, symbol: string, side: string, amount: string, options: Record<string, unknown>) => {
      await invoke('open', [account, symbol, side, amount], options);
    });

  client(cmd('close', 'close a position (reduce-only, sided and sized from the live position)'))
    .argument('<id>', 'the position id')
    .action(async (id: string, options: Record<string, unknown>) => {
      await invoke('close', [id], options);
    });

  for (const [verb, description] of [
    ['halt', 'refuse new intents for an account (positions in flight carry on)'],
    ['resume', 'accept new intents for an account again'],
  ] as const) {
    const c = client(cmd(verb, description)).argument('<account>', 'the account id');
    if (verb === 'halt') c.option('--reason <text>', 'why (kept with the halt)');
    c.action(async (account: string, options: Record<string, unknown>) => {
      await invoke(verb, [account], options);
    });
  }

  client(cmd('flatten', 'halt an account and close every position posguard holds on it'))
    .argument('<account>', 'the account id')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (account: string, options: Record<string, unknown>) => {
      await invoke('flatten', [account], options);
    });

  client(cmd('alerts', 'list the alerts, newest first')).action(async (options: Record<string, unknown>) => {
    await invoke('alerts', [], options);
  });

  client(cmd('sweep', 'run an orphan or reconciliation sweep now, on the worker that drives the account'))
    .argument('<kind>', 'orphans or reconcile')
    .option('--account <id>', 'only this account (default: every account the worker drives)')
    .action(async (kind: string, options: Record<string, unknown>) => {
      await invoke('sweep', [kind], options);
    });

  return program;
}

/** Parses and runs a command line; answers the exit code. Never throws, never prints a stack trace. */
export async function main(argv: readonly string[], io: ProgramIo, run: Runner): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, async (invocation) => {
    code = await run(invocation);
    return code;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.help' ||
        e.code === 'commander.version' ||
        e.exitCode === 0
        ? EXIT.ok
        : EXIT.usage;
    }
    io.err(`posguard: ${e instanceof PosguardError ? e.message : `unexpected error: ${errorText(e)}`}\n`);
    return exitCodeOf(e);
  }
}
