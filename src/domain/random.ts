/**
 * A seeded pseudo-random source (mulberry32), for the simulator's price paths and fault
 * dice and for supervisor jitter in tests. Pure: the same seed gives the same sequence.
 *
 * @example
 * const rnd = seededRandom(42); rnd(); // 0 ≤ x < 1, the same on every run
 */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
