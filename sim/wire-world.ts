/**
 * Over 300 lines on purpose: the wire world's workers, its store faults on Redis and its teardown, which share the links and the incarnations they hold.
 *
 * The wire world of one seed (see docs/architecture.md, Invariants): the same simulated venue as
 * the deterministic world (so the checker's hook sees every execution), served by the wire
 * simulator over real HTTP and WebSocket, in Bybit's or Binance's format (alternating by seed and
 * account); each worker a whole guard on the real ccxt adapter and a real `RedisStore` on the
 * local Redis, under a key prefix of this run's own (deleted at the end; never a flush). Time is
 * real. Each worker reaches Redis and the venue through links of its own (`TcpLink`): a kill
 * severs them and revokes its port, store and clock views at that instant, so that nothing it had
 * not yet sent reaches the venue or Redis, and no reply still in flight reaches its store; a stall
 * holds its links, timers, calls and answers. Store faults act on Redis: an outage drops and
 * refuses every worker's Redis connections; a failover restores the keys dumped at the checkpoint
 * (the writes since are lost); a wipe deletes the run's keys; a corrupt record gets a snapshot
 * that does not parse.
 *
 * @example
 * const world = await openWireWorld({ seed: 7, accounts: ['a1'], config: {} });
 * await world.startWorker('w1');
 * await world.advanceTo(world.start + 5_000);
 * await world.close();
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AnyActorRef } from 'xstate';
import { systemClock } from '../src/clock.js';
import { parseConfig, type AccountConfig } from '../src/config/config.js';
import { createCcxtPort, type CcxtPort } from '../src/exchange/ccxt/index.js';
import type { ExchangePort, TriggerBy } from '../src/exchange/port.js';
import { SimExchange } from '../src/exchange/sim/index.js';
import { createGuard, type GuardEvent } from '../src/guard/guard.js';
import { connectRedis } from '../src/guard/redis-connection.js';
import { silentLogger } from '../src/log/logger.js';
import { RedisStore } from '../src/persistence/redis-store.js';
import { startWireSimulator, type WireSimulator } from '../src/venue-simulator/index.js';
import { RealClockView } from './real-clock.js';
import { Revocation, revocable } from './revocable.js';
import type { Reported, RunWorker, RunWorld, StoreFaults, WorldSpec } from './run-world.js';
import { TcpLink } from './tcp-link.js';
import { crashOne, workerHooks } from './world-hooks.js';

/** The Redis every wire run uses (its own key prefix), as the `.redis.` tests do. */
export const WIRE_REDIS_URL = process.env.POSGUARD_TEST_REDIS ?? 'redis://127.0.0.1:6379/0';

export type WireFormat = 'bybit' | 'binanceusdm';

/** The venue format of the `index`-th account of a seed: Bybit and Binance alternate by seed and by account. */
export const formatOf = (seed: number, index: number): WireFormat =>
  (seed + index) % 2 === 0 ? 'bybit' : 'binanceusdm';

/** ccxt's per-request timeout on the wire; a reply held by `timeoutAfterAccept` outlasts it. */
const CCXT_TIMEOUT_MS = 1_500;
const HOLD_MS = 3_000;
/** How long a live worker is given to stop at the end of a run, and a port to close. */
const STOP_MS = 10_000;

/** One incarnation of a worker: its gate, clock, links and connections. */
interface Incarnation {
  readonly name: string;
  readonly gate: Revocation;
  readonly view: RealClockView;
  readonly links: readonly TcpLink[];
  readonly redisLink: TcpLink;
  readonly redis: Redis[];
  readonly ports: CcxtPort[];
  worker?: RunWorker;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Settles `work` within `ms`, or gives up on it (what is abandoned is not waited for). */
const within = async (work: Promise<unknown>, ms: number): Promise<void> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    work.catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
};

const redisPort = (url: string): number => Number(new URL(url).port || 6379);

export async function openWireWorld(spec: WorldSpec): Promise<WireWorld> {
  const venue = new SimExchange({ clock: systemClock, seed: spec.seed });
  const credentials = spec.accounts.map((account) => ({
    apiKey: `sim-${account}-key`,
    secret: `sim-${account}-secret`,
    account,
  }));
  const wire = await startWireSimulator({ venue, credentials, holdMs: HOLD_MS });
  const admin = new Redis(WIRE_REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = `pgsim:wire:${spec.seed}:${randomBytes(4).toString('hex')}:`;
  return new WireWorld(spec, venue, wire, admin, prefix);
}

export class WireWorld implements RunWorld {
  /** Venue time when the first worker was up (`begin`): step times count from there. */
  start = Date.now();
  /** The world's own clock (the bot's retries): revoked when the world closes. */
  readonly clock = new RealClockView();
  readonly workers = new Map<string, RunWorker>();
  readonly reported: Reported[] = [];
  readonly trail: string[] = [];
  readonly storeFaults: StoreFaults;
  onReport: (worker: string, event: GuardEvent) => void = () => {};
  onKill: (worker: string) => void = () => {};
  private readonly incarnations: Incarnation[] = [];
  /** The live (or starting) incarnation of each worker name. */
  private readonly current = new Map<string, Incarnation>();
  private readonly positionActors = new Map<Incarnation, AnyActorRef[]>();
  /** Workers whose links are being opened, and whether they were killed meanwhile. */
  private readonly opening = new Map<string, boolean>();
  private storeReachable = true;
  private closed = false;

  constructor(
    private readonly spec: WorldSpec,
    readonly venue: SimExchange,
    readonly wire: WireSimulator,
    private readonly admin: Redis,
    readonly prefix: string,
  ) {
    let checkpoint: { key: string; ttl: number; dump: Buffer }[] | undefined;
    this.storeFaults = {
      setReachable: (reachable) => {
        this.storeReachable = reachable;
        for (const i of this.current.values()) {
          if (reachable) i.redisLink.up();
          else i.redisLink.down();
        }
      },
      checkpoint: async () => {
        checkpoint = await this.dumpAll();
      },
      failover: async () => {
        if (checkpoint === undefined) return;
        // The switch to the replica: every connection drops, the replica holds what it had.
        for (const i of this.current.values()) i.redisLink.down();
        await this.deleteAll();
        for (const { key, ttl, dump } of checkpoint) await this.admin.restore(key, ttl, dump, 'REPLACE');
        if (this.storeReachable) for (const i of this.current.values()) i.redisLink.up();
      },
      wipe: () => this.deleteAll(),
      corrupt: async (pick) => {
        const position = new RegExp(`^${this.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}pos:[^:]+$`);
        const keys = (await this.keys(`${this.prefix}pos:*`)).filter((k) => position.test(k)).sort();
        const key = keys[pick % Math.max(1, keys.length)];
        if (key !== undefined) await this.admin.hset(key, 'snapshot', '{"truncated');
      },
    };
  }

  note(kind: string, data: unknown): void {
    this.trail.push(`${Date.now() - this.start} ${kind} ${JSON.stringify(data)}`);
  }

  /** Every key of this run (its prefix), or those matching `pattern`. */
  private async keys(pattern = `${this.prefix}*`): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.admin.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  }

  private async deleteAll(): Promise<void> {
    const keys = await this.keys();
    for (let i = 0; i < keys.length; i += 500) await this.admin.del(...keys.slice(i, i + 500));
  }

  /** What Redis holds under the run's prefix now, key by key, in one transaction (the replica's copy). */
  private async dumpAll(): Promise<{ key: string; ttl: number; dump: Buffer }[]> {
    const keys = await this.keys();
    if (keys.length === 0) return [];
    const multi = this.admin.multi();
    for (const k of keys) multi.dumpBuffer(k).pttl(k);
    const replies = (await multi.exec()) ?? [];
    const out: { key: string; ttl: number; dump: Buffer }[] = [];
    keys.forEach((key, i) => {
      const dump = replies[2 * i]?.[1] as Buffer | null;
      const ttl = Number(replies[2 * i + 1]?.[1]);
      if (dump !== null && ttl !== -2) out.push({ key, ttl: ttl > 0 ? ttl : 0, dump });
    });
    return out;
  }

  /** The account configs of this world, each pointed at the venue through `link`. */
  private accountConfigs(link: TcpLink): AccountConfig[] {
    const through = (url: string) => url.replace(`:${this.wire.port}`, `:${link.port}`);
    const accounts = this.spec.accounts.map((id, i) => {
      const format = formatOf(this.spec.seed, i);
      const urls = format === 'bybit' ? this.wire.urls.bybit : this.wire.urls.binanceusdm;
      return {
        id,
        exchange: format,
        apiKey: `sim-${id}-key`,
        secret: `sim-${id}-secret`,
        urls: Object.fromEntries(Object.entries(urls).map(([k, v]) => [k, through(v)])),
      };
    });
    return [...parseConfig({ accounts }).accounts];
  }

  /** Starts a worker unless one of that name is running or starting; resolves once its guard is built. */
  async startWorker(name: string): Promise<RunWorker | undefined> {
    if (this.closed || this.current.has(name) || this.opening.has(name)) return undefined;
    // A restart step while its links open finds it starting; a kill then kills it as it comes up.
    this.opening.set(name, false);
    const gate = new Revocation();
    const view = new RealClockView();
    gate.onRevoke(() => view.revoke());
    const redisLink = await TcpLink.open(redisPort(WIRE_REDIS_URL));
    const venueLink = await TcpLink.open(this.wire.port);
    if (!this.storeReachable) redisLink.down();
    const inc: Incarnation = { name, gate, view, links: [redisLink, venueLink], redisLink, redis: [], ports: [] };
    this.incarnations.push(inc);
    const killed = this.opening.get(name) === true;
    this.opening.delete(name);
    if (this.closed || killed) {
      this.sever(inc);
      return undefined;
    }
    this.current.set(name, inc);
    const actors: AnyActorRef[] = [];
    this.positionActors.set(inc, actors);
    this.note('worker.start', { name });
    const redisUrl = `redis://127.0.0.1:${redisLink.port}/${new URL(WIRE_REDIS_URL).pathname.slice(1) || '0'}`;
    try {
      const accounts = this.accountConfigs(venueLink);
      const triggerBy: TriggerBy | undefined = this.spec.config.protection?.triggerBy;
      const ports: Record<string, ExchangePort> = {};
      for (const account of accounts) {
        const port = await createCcxtPort(account, {
          clock: view,
          timeoutMs: CCXT_TIMEOUT_MS,
          reconnect: { initialMs: 50, maxMs: 500 },
          ...(triggerBy === undefined ? {} : { triggerBy }),
        });
        inc.ports.push(port);
        ports[account.id] = revocable(port, gate);
      }
      const redis = connectRedis(redisUrl, silentLogger());
      inc.redis.push(redis);
      const make = this.spec.createGuard ?? createGuard;
      const guard = await make(
        {
          ...this.spec.config,
          redis: redisUrl,
          accounts: accounts.map((a) => ({
            id: a.id,
            exchange: a.exchange,
            apiKey: a.apiKey,
            secret: a.secret,
            urls: a.urls,
          })),
        } as Parameters<typeof createGuard>[0],
        {
          clock: view,
          leaseClock: view,
          ports,
          persistence: revocable(new RedisStore(redis, this.prefix), gate),
          redisPrefix: this.prefix,
          workerId: name,
          stopTimeoutMs: 2_000,
          ...(this.spec.perPositionPolling === true ? { perPositionPolling: true } : {}),
          ...workerHooks(this, name, gate, actors),
        },
      );
      if (gate.revoked || this.closed) return undefined;
      const worker: RunWorker = { name, guard, gate };
      inc.worker = worker;
      this.workers.set(name, worker);
      return worker;
    } catch (e) {
      if (!gate.revoked) this.note('worker.failed', { name, why: e instanceof Error ? e.message : String(e) });
      this.sever(inc);
      if (this.current.get(name) === inc) this.current.delete(name);
      return undefined;
    }
  }

  /** Cuts an incarnation off at this instant: its views revoked, its sockets dropped. */
  private sever(inc: Incarnation): void {
    inc.gate.revoke();
    for (const link of inc.links) link.sever();
    for (const r of inc.redis) r.disconnect();
  }

  kill(name: string): void {
    if (this.opening.has(name)) {
      this.note('worker.kill', { name });
      this.opening.set(name, true);
      this.onKill(name);
      return;
    }
    const inc = this.current.get(name);
    if (inc === undefined) return;
    this.note('worker.kill', { name });
    this.current.delete(name);
    this.workers.delete(name);
    this.sever(inc);
    this.onKill(name);
  }

  stall(name: string): void {
    const inc = this.current.get(name);
    if (inc?.worker === undefined || inc.gate.isStalled) return;
    this.note('worker.stall', { name });
    inc.gate.stall();
    inc.view.stall();
    for (const link of inc.links) link.pause();
  }

  wake(name: string): void {
    const inc = this.current.get(name);
    if (inc === undefined || !inc.gate.isStalled) return;
    this.note('worker.wake', { name });
    for (const link of inc.links) link.resume();
    inc.gate.wake();
    inc.view.wake();
  }

  crashActor(pick: number): void {
    const live = [...this.current.values()]
      .filter((i) => i.worker !== undefined && !i.gate.isStalled)
      .flatMap((i) => (this.positionActors.get(i) ?? []).filter((a) => a.getSnapshot().status === 'active'));
    crashOne(live, pick, Date.now(), (kind, data) => this.note(kind, data));
  }

  /** The scenario's clock starts once the first worker is up (building it takes real time). */
  async begin(first: Promise<unknown>): Promise<void> {
    await first;
    this.start = Date.now();
    this.note('begin', {});
  }

  async advanceTo(t: number): Promise<void> {
    const wait = t - Date.now();
    if (wait > 0) await sleep(wait);
  }

  /**
   * The end of a run: the live workers stop (leases released, queues closed), the dead ones'
   * links stay refusing; the run's keys are deleted, the simulator and the venue closed.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.revoke();
    const live = [...this.current.values()];
    this.current.clear();
    this.workers.clear();
    await Promise.all(
      live.map(async (inc) => {
        if (inc.gate.isStalled) inc.gate.wake();
        if (inc.worker !== undefined) await within(inc.worker.guard.stop(), STOP_MS);
        this.sever(inc);
      }),
    );
    for (const inc of this.incarnations) {
      await Promise.all(inc.ports.map((p) => within(p.close(), STOP_MS)));
      for (const r of inc.redis) r.disconnect();
    }
    for (const r of this.venue.requests())
      if (r.method === 'createOrder' || r.method === 'cancelOrder') {
        const p = r.params as { clientOrderId?: string; type?: string; side?: string; amount?: number };
        this.note('venue.request', [
          r.at - this.start,
          r.account,
          r.method,
          p.clientOrderId,
          p.type,
          p.side,
          p.amount,
          r.result,
          r.code,
        ]);
      }
    await this.deleteAll();
    await this.admin.quit();
    await this.wire.close();
    this.venue.close();
    for (const inc of this.incarnations) for (const link of inc.links) link.retire();
  }
}
