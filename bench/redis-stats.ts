/**
 * Where persistence time goes, from both ends: the Redis server's own time in scripts
 * (`INFO commandstats`, `evalsha`: calls and microseconds, for every client of the server
 * during the window) and this process's CPU time (`process.cpuUsage`).
 *
 * @example
 * const before = await costSnapshot(redis); … const cost = costSince(before, await costSnapshot(redis));
 */
import type { Redis } from 'ioredis';

export interface CostSnapshot {
  readonly scriptCalls: number;
  readonly scriptUsec: number;
  readonly cpu: NodeJS.CpuUsage;
}

export interface Cost {
  /** Scripts the server ran in the window (all clients), and its time in them. */
  readonly scriptCalls: number;
  readonly scriptUsec: number;
  /** This process's CPU time in the window (user + system). */
  readonly processUsec: number;
}

export async function costSnapshot(redis: Redis): Promise<CostSnapshot> {
  const info = await redis.info('commandstats');
  const m = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(info);
  return { scriptCalls: Number(m?.[1] ?? 0), scriptUsec: Number(m?.[2] ?? 0), cpu: process.cpuUsage() };
}

export function costSince(before: CostSnapshot, after: CostSnapshot): Cost {
  const cpu = process.cpuUsage(before.cpu);
  return { scriptCalls: after.scriptCalls - before.scriptCalls, scriptUsec: after.scriptUsec - before.scriptUsec, processUsec: cpu.user + cpu.system };
}
