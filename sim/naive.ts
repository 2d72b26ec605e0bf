/**
 * The naive baseline on the simulation's seeds: the incident's algorithm
 * (`test/support/naive-bot.ts`: market entry, the side read from the create reply, one REST
 * look after 4 s, a rollback by the reply's side without reduce-only) runs each scenario's
 * intents on the same venue, prices and venue faults, and is judged by the same names: what it
 * breaks is printed beside posguard's (`npm run sim -- --naive`).
 */
import { abs, add, gt } from '../src/domain/decimal.js';
import { asClientOrderId } from '../src/domain/ids.js';
import { createSimPort, DEFAULT_SIM_MARKETS } from '../src/exchange/sim/index.js';
import { floorToStep, mul } from '../src/domain/decimal.js';
import { runNaiveBot } from '../test/support/naive-bot.js';
import type { InvariantName } from './checker.js';
import type { Scenario } from './scenario.js';
import { SIM_EPOCH, World } from './world.js';

/** The invariants the naive baseline broke on this scenario (one entry per breach). */
export async function runNaive(scenario: Scenario): Promise<InvariantName[]> {
  const world = new World({ seed: scenario.seed, accounts: scenario.accounts, config: {} });
  const broken: InvariantName[] = [];
  const asked = new Map<string, number>();
  const runs: Promise<unknown>[] = [];
  for (const step of scenario.steps) {
    await world.advanceTo(SIM_EPOCH + step.at);
    if (step.kind === 'gap') {
      const spec = DEFAULT_SIM_MARKETS.find((m) => m.symbol === step.symbol);
      if (spec !== undefined)
        world.venue.setPrice(
          step.symbol,
          floorToStep(mul(world.venue.markPrice(step.symbol), 1 + step.pct / 100), spec.priceStep),
        );
    } else if (step.kind === 'fault') {
      const when =
        step.forMs === undefined ? step.rule.when : { from: world.clock.now(), until: world.clock.now() + step.forMs };
      world.venue.faults.set({ ...step.rule, ...(when === undefined ? {} : { when }) });
    } else if (step.kind === 'intent') {
      const key = `${step.account}|${step.symbol}`;
      asked.set(key, add(asked.get(key) ?? 0, step.amount));
      const port = createSimPort(world.venue, step.account);
      runs.push(
        runNaiveBot(port, world.clock, {
          symbol: step.symbol,
          side: step.side,
          amount: step.amount,
          clientOrderId: asClientOrderId(`naive-${step.n}`),
        }).then(
          (r) => {
            if (r.verdict === 'rolled-back') broken.push('closes-reduce-only');
          },
          () => undefined,
        ),
      );
    }
  }
  await world.advanceTo(world.clock.now() + 30_000);
  await Promise.all(runs);
  for (const [key, total] of asked) {
    const [account = '', symbol = ''] = key.split('|');
    if (gt(abs(world.venue.position(account, symbol).size), total)) broken.push('no-doubling');
  }
  world.close();
  return broken;
}
