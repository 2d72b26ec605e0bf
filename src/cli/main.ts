/**
 * The `posguard` command line. Parses the command, runs it, and turns every posguard error
 * into one clear line on stderr and a non-zero exit code — never a stack trace.
 */
import { PosguardError } from '../domain/errors.js';
import { UsageError } from './args.js';
import { demoCommand } from './demo.js';
import { simCommand } from './sim.js';
import { startCommand } from './start.js';

export const HELP = `posguard — guards every position a trading bot opens

Usage:
  posguard start [--config FILE]               run the worker (embedded simulator when no config)
  posguard demo                                replay the AVLUSDT incident on the simulator
  posguard sim [--port N]                      serve the wire simulator (Bybit v5, Binance USD-M)
  posguard sweep orphans|reconcile [--config FILE]   run one sweep now
  posguard status [--config FILE]              print every position and its state
  posguard help                                this text

The config file is JSON (see README); POSGUARD_CONFIG names it when --config is absent.
`;

type Command = (args: readonly string[]) => Promise<number>;

const notYet = (name: string): Command => async () => {
  throw new UsageError(`'posguard ${name}' is not available in this version yet; see the README for what is`);
};

const COMMANDS: Readonly<Record<string, Command>> = {
  help: async () => {
    process.stdout.write(HELP);
    return 0;
  },
  start: (args) => startCommand(args, process.env),
  demo: () => demoCommand(),
  sim: (args) => simCommand(args),
  sweep: notYet('sweep'),
  status: notYet('status'),
};

export async function main(argv: readonly string[]): Promise<number> {
  const [name = 'help', ...rest] = argv;
  const command = name === '--help' || name === '-h' ? COMMANDS.help : COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`posguard: unknown command '${name}'\n\n${HELP}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (e) {
    const message = e instanceof PosguardError ? e.message : `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
    process.stderr.write(`posguard: ${message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
