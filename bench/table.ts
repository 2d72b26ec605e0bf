/**
 * Small formatting helpers for the benchmark report: a plain-text table with aligned
 * columns, and number formats for milliseconds, bytes and ratios.
 *
 * @example
 * formatTable(['metric', 'ms'], [['p50', fmtMs(0.0123)]]) // "metric  ms\n------  ------\np50     0.0123"
 */

/** Left-aligns the first column and right-aligns the others. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Milliseconds with enough digits for microsecond figures. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms === 0) return '0';
  if (Math.abs(ms) < 1) return ms.toFixed(4);
  if (Math.abs(ms) < 100) return ms.toFixed(2);
  return ms.toFixed(0);
}

export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  if (Math.abs(bytes) >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (Math.abs(bytes) >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes.toFixed(0)} B`;
}

export function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}
