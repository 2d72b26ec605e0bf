/**
 * The recent history of one simulated object (an order or a position): every state with
 * the venue time it began, so that a lagging REST view can answer "as it was N ms ago".
 * Receives states in time order; touches nothing else.
 *
 * @example
 * const t = new Timeline(1_000, stateA); t.push(2_000, stateB);
 * t.at(1_500) // stateA; t.at(999) // undefined; t.latest // stateB
 */
/** The states of one object in time order; never empty. */
export class Timeline<T> {
  private readonly entries: { readonly at: number; readonly value: T }[];

  constructor(at: number, value: T) {
    this.entries = [{ at, value }];
  }

  /** The current state. */
  get latest(): T {
    const last = this.entries[this.entries.length - 1];
    if (last === undefined) throw new Error('a timeline is never empty');
    return last.value;
  }

  /** Records the state that began at `at` (not before the last one). */
  push(at: number, value: T): void {
    this.entries.push({ at, value });
  }

  /** The state in force at time `t`, or `undefined` if the object did not exist yet. */
  at(t: number): T | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (e !== undefined && e.at <= t) return e.value;
    }
    return undefined;
  }

  /** Forgets states superseded before `t`, keeping the one in force at `t`. */
  prune(t: number): void {
    let keepFrom = 0;
    for (let i = 0; i < this.entries.length; i++) if ((this.entries[i]?.at ?? Infinity) <= t) keepFrom = i;
    if (keepFrom > 0) this.entries.splice(0, keepFrom);
  }
}
