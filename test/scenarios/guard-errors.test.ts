import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EntryNotSent,
  Halted,
  HedgeModeUnsupported,
  InvalidIntent,
  UnknownAccount,
  UnknownPosition,
} from '../../src/domain/errors.js';
import { QueryFailed } from '../../src/exchange/port.js';
import { createGuard } from '../../src/guard/guard.js';
import { SimExchange } from '../../src/exchange/sim/index.js';
import type { Journal } from '../../src/persistence/journal.js';
import { T0, simHarness, type Harness } from '../support/sim-harness.js';

const intent = { account: 'main', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43 } as const;

let h: Harness | undefined;
afterEach(async () => {
  await h?.guard.stop();
  h?.sim.close();
  h = undefined;
});

describe('createGuard refuses bad input with a clear error and sends nothing', () => {
  it.each([
    ['an amount off the step', { ...intent, amount: 43.5 }, InvalidIntent],
    ['a stop above the mark for a long', { ...intent, stopLoss: 0.3 }, InvalidIntent],
    ['a symbol the venue does not list', { ...intent, symbol: 'DOGE/USDT:USDT' }, InvalidIntent],
    ['a misspelt field', { ...intent, stoploss: 0.21 }, InvalidIntent],
    ['an unknown account', { ...intent, account: 'nope' }, UnknownAccount],
  ])('refuses %s', async (_name, raw, errorClass) => {
    h = await simHarness();
    await expect(h.guard.open(raw)).rejects.toBeInstanceOf(errorClass);
    expect(h.sim.requests({ method: 'createOrder' })).toHaveLength(0);
    expect(await h.guard.positions()).toHaveLength(0);
  });

  it('refuses intents on a halted account until it is resumed; positions in flight carry on', async () => {
    h = await simHarness();
    const first = await h.guard.open(intent);
    await h.guard.halt('main');
    await expect(h.guard.open({ ...intent, symbol: 'BTC/USDT:USDT', amount: 0.001 })).rejects.toBeInstanceOf(Halted);
    expect(await h.until(first)).toBe('open');
    await h.guard.resume('main');
    h.sim.setPrice('BTC/USDT:USDT', 90_000);
    const second = await h.guard.open({ ...intent, symbol: 'BTC/USDT:USDT', amount: 0.001 });
    expect(await h.until(second)).toBe('open');
  });

  it('refuses an id that is not a position id, clearly, before anything else', async () => {
    h = await simHarness();
    expect(() => h?.guard.position('not-an-id')).toThrow(UnknownPosition);
    await expect(h.guard.close('../../etc')).rejects.toThrow(/no position with id/);
  });

  it('refuses intents on a hedge-mode account', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const sim = new SimExchange({ clock, seed: 1 });
    sim.setPositionMode('main', 'hedge');
    const guard = await createGuard(
      { accounts: [{ id: 'main', exchange: 'sim' }] },
      { clock, sim, persistence: 'memory' },
    );
    await expect(guard.open(intent)).rejects.toBeInstanceOf(HedgeModeUnsupported);
    await guard.stop();
    sim.close();
  });

  it('fails the position before sending when the baseline cannot be read, and frees the symbol', async () => {
    h = await simHarness();
    h.sim.faults.set({ fault: { kind: 'serverError', methods: ['fetchPositions'] }, when: { calls: 1 } });
    await expect(h.guard.open(intent)).rejects.toBeInstanceOf(EntryNotSent);
    expect(h.sim.requests({ method: 'createOrder' })).toHaveLength(0);
    const again = await h.guard.open(intent);
    expect(await h.until(again)).toBe('open');
  });

  it('sends nothing when the journal cannot be written', async () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const sim = new SimExchange({ clock, seed: 1 });
    sim.setPrice('AVL/USDT:USDT', 0.25);
    const broken: Journal = {
      recordIntent: () => Promise.reject(new Error('connection refused')),
      confirmIntent: () => Promise.reject(new Error('connection refused')),
      claimSend: () => Promise.reject(new Error('connection refused')),
      releaseClaim: async () => {},
      fence: async () => {},
    };
    const guard = await createGuard(
      { accounts: [{ id: 'main', exchange: 'sim' }] },
      { clock, sim, journal: broken, persistence: 'memory' },
    );
    await expect(guard.open(intent)).rejects.toThrow(
      /journal could not be written \(connection refused\).*no order reached the exchange/,
    );
    expect(sim.requests({ method: 'createOrder' })).toHaveLength(0);
    await guard.stop();
    sim.close();
  });

  it('rejects, with a clear error and without hanging, a ccxt account whose venue cannot be reached', async () => {
    const account = {
      id: 'main',
      exchange: 'bybit',
      apiKey: 'k',
      secret: 's',
      urls: { rest: 'http://127.0.0.1:9', ws: 'ws://127.0.0.1:9/v5/private' },
    };
    await expect(createGuard({ accounts: [account] }, { persistence: 'memory' })).rejects.toThrow(QueryFailed);
  });

  it('answers an unknown position id with UnknownPosition', async () => {
    h = await simHarness();
    await expect(h.guard.close('01KAV9FT00SRPETFZ0710QTTF4')).rejects.toBeInstanceOf(UnknownPosition);
  });
});
