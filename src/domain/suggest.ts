/**
 * "Did you mean …?" for names a user typed: the nearest known name by edit distance, and the
 * market a venue-style symbol means (`AVLUSDT` → `AVL/USDT:USDT`). Pure.
 *
 * @example
 * suggestName('bybitt', ['bybit', 'binanceusdm']); // 'bybit'
 * suggestSymbol('AVLUSDT', ['AVL/USDT:USDT', 'BTC/USDT:USDT']); // 'AVL/USDT:USDT'
 */

/** Levenshtein distance; names are short, so the quadratic table is fine. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The known name nearest to `typed` (case-insensitive), if it is close enough to be a typo. */
export function suggestName(typed: string, known: Iterable<string>): string | undefined {
  const t = typed.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(t, name.toLowerCase());
    if (distance <= Math.max(1, Math.floor(name.length / 4)) && (best === undefined || distance < best.distance))
      best = { name, distance };
  }
  return best?.name;
}

/** `AVL/USDT:USDT`, `AVL/USDT`, `avl-usdt` and `AVLUSDT` all say `AVLUSDT`. */
function letters(symbol: string): string {
  return (symbol.split(':')[0] ?? '').replace(/[^A-Za-z0-9]/g, '').toUpperCase();
}

/** The listed symbol that a venue-style or near-miss symbol stands for, if there is one. */
export function suggestSymbol(typed: string, listed: Iterable<string>): string | undefined {
  const all = [...listed];
  const key = letters(typed);
  const same = all.filter((s) => letters(s) === key);
  if (same.length > 0) return same.find((s) => s.includes(':')) ?? same[0];
  return suggestName(typed, all);
}

/** ` (did you mean 'x'?)`, or nothing. */
export function didYouMean(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
}
