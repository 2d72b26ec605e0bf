/** The side of an order or of a one-way position. There is no third value. */
export type Side = 'buy' | 'sell';

export function isSide(x: unknown): x is Side {
  return x === 'buy' || x === 'sell';
}

/** The side that reduces a position held on `side`. */
export function opposite(side: Side): Side {
  return side === 'buy' ? 'sell' : 'buy';
}
