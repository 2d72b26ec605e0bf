/**
 * Order statistics for latency samples: nearest-rank percentiles over the samples that
 * were measured (NaN entries, positions that never produced a sample, are counted apart).
 *
 * @example
 * summarize(Float64Array.from([1, 2, 3])) // { n: 3, missing: 0, p50: 2, p99: 3, max: 3, mean: 2 }
 */

export interface Summary {
  readonly n: number;
  /** Entries that were NaN (no sample). */
  readonly missing: number;
  readonly min: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function summarize(samples: ArrayLike<number>): Summary {
  const values: number[] = [];
  let missing = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] ?? Number.NaN;
    if (Number.isNaN(v)) missing++;
    else values.push(v);
  }
  values.sort((a, b) => a - b);
  const rank = (p: number) =>
    values[Math.min(values.length - 1, Math.max(0, Math.ceil(p * values.length) - 1))] ?? Number.NaN;
  const sum = values.reduce((s, v) => s + v, 0);
  return {
    n: values.length,
    missing,
    min: values[0] ?? Number.NaN,
    p50: rank(0.5),
    p99: rank(0.99),
    max: values[values.length - 1] ?? Number.NaN,
    mean: values.length === 0 ? Number.NaN : sum / values.length,
  };
}
