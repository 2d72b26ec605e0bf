/**
 * The Lua scripts of the Redis store, each in its own file under `lua/` (BullMQ's
 * `src/commands` is the model). Writes that must happen together, and the fencing check that
 * guards them, run in one script: each file opens with its keys, arguments and result. A lease value is `<worker>|<token>`; every write first checks that
 * the account's lease still holds exactly that value, so a worker that lost its lease
 * cannot write — nor claim an order, which it must do before sending one.
 *
 * The state-index keys are built inside `saveSnapshot` from a prefix: these scripts are for
 * a single Redis node, not a cluster.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { sendNow } from './encoded-command.js';

export class Script {
  readonly sha: string;
  constructor(
    readonly name: string,
    readonly lua: string,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /** The script in the file `url` (a `.lua` file beside its module, copied into `dist/` by the build). */
  static fromFile(name: string, url: URL): Script {
    return new Script(name, readFileSync(url, 'utf8'));
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.includes('NOSCRIPT')) throw e;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }

  /**
   * As `run`, for a caller that gathers its own batch (`write-batch.ts`): written to the
   * connection at once, past ioredis's auto-pipelining, so that the batch is neither held
   * back another tick nor copied into the tick's pipeline. `keys` and `args` are strings.
   */
  async runNow(redis: Redis, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    try {
      return await sendNow(redis, 'evalsha', this.sha, keys, args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.includes('NOSCRIPT')) throw e;
      return sendNow(redis, 'eval', this.lua, keys, args);
    }
  }
}

/** Takes, or renews, an account's lease and answers its fencing token (`lua/acquire-lease.lua`). */
export const acquireLease = Script.fromFile('acquireLease', new URL('./lua/acquire-lease.lua', import.meta.url));

/** Renews a lease its holder still has (`lua/renew-lease.lua`). */
export const renewLease = Script.fromFile('renewLease', new URL('./lua/renew-lease.lua', import.meta.url));

/** Lets a lease its holder still has go, its token bumped and the fleet told (`lua/release-lease.lua`). */
export const releaseLease = Script.fromFile('releaseLease', new URL('./lua/release-lease.lua', import.meta.url));

/**
 * The fenced writes of one or more accounts, one lease check per account, the named
 * operations of `WriteOp` (`lua/fenced-writes.lua`; `write-batch.ts` gathers them).
 */
export const fencedWrites = Script.fromFile('fencedWrites', new URL('./lua/fenced-writes.lua', import.meta.url));
