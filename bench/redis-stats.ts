/**
 * Where persistence time goes, from both ends: the Redis server's own time in scripts
 * (`INFO commandstats`, `evalsha`: calls and microseconds) and its whole CPU time (`INFO cpu`:
 * reading requests and writing replies too), for every client of the server during the
 * window; and this process's CPU time (`process.cpuUsage`).
 *
 * @example
 * const before = await costSnapshot(redis); … const cost = costSince(before, await costSnapshot(redis));
 */
import type { Redis } from 'ioredis';

export interface CostSnapshot {
  readonly scriptCalls: number;
  readonly scriptUsec: number;
  /** The server's CPU time so far (user + system), µs. */
  readonly serverUsec: number;
  readonly cpu: NodeJS.CpuUsage;
}

export interface Cost {
  /** Scripts the server ran in the window (all clients), and its time in them. */
  readonly scriptCalls: number;
  readonly scriptUsec: number;
  /** The server's CPU time in the window (user + system), all of it: scripts, reads, replies. */
  readonly serverUsec: number;
  /** This process's CPU time in the window (user + system). */
  readonly processUsec: number;
}

export async function costSnapshot(redis: Redis): Promise<CostSnapshot> {
  const [stats, cpu] = await Promise.all([redis.info('commandstats'), redis.info('cpu')]);
  const m = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(stats);
  const seconds = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  return {
    scriptCalls: Number(m?.[1] ?? 0),
    scriptUsec: Number(m?.[2] ?? 0),
    serverUsec: Math.round((seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6),
    cpu: process.cpuUsage(),
  };
}

export function costSince(before: CostSnapshot, after: CostSnapshot): Cost {
  const cpu = process.cpuUsage(before.cpu);
  return {
    scriptCalls: after.scriptCalls - before.scriptCalls,
    scriptUsec: after.scriptUsec - before.scriptUsec,
    serverUsec: after.serverUsec - before.serverUsec,
    processUsec: cpu.user + cpu.system,
  };
}
