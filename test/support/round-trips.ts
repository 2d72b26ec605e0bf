/**
 * Counts the round trips an ioredis client makes: each command sent alone, each pipeline once
 * (auto-pipelining's included), whatever it holds. Used by the request-budget bench and the
 * entry-journal test to count what leaves before an entry.
 *
 * @example
 * const roundTrips = countRoundTrips(redis);
 * await work();
 * roundTrips(); // 1
 */
import type { Redis } from 'ioredis';

export function countRoundTrips(redis: Redis): () => number {
  let n = 0;
  const pipelines = new WeakSet<object>();
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command: Parameters<Redis['sendCommand']>[0], stream?: object) => {
    if (stream === undefined) n += 1;
    else if (!pipelines.has(stream)) {
      pipelines.add(stream);
      n += 1;
    }
    return send(command, stream as Parameters<Redis['sendCommand']>[1]);
  }) as Redis['sendCommand'];
  return () => n;
}
