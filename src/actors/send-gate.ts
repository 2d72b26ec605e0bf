/**
 * The gate every state-changing call to an exchange passes: once the guard begins to stop,
 * it is closed and nothing more leaves (see docs/architecture.md, Stopping). It also counts
 * the sends in flight, so that a stop waits for a claim being written (a claim is never
 * abandoned) before it lets the account go.
 *
 * Receives: the wiring's sends and cancels. Sends nothing. Touches nothing.
 *
 * @example
 * if (!gate.open) return rejected('posguard is stopping', 'NOT_SENT');
 * await gate.track(sendIt());
 * gate.close(); await gate.drained();
 */
export class SendGate {
  private closedAt = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  /** True until the guard begins to stop. */
  get open(): boolean {
    return !this.closedAt;
  }

  close(): void {
    this.closedAt = true;
  }

  /** Counts `work` as in flight until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = (): void => {
      this.inFlight.delete(work);
    };
    work.then(done, done);
    return work;
  }

  /** Resolves once nothing is in flight. */
  async drained(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
