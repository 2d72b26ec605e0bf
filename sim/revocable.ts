/**
 * What a killed worker loses at the instant it dies (a kill -9): its exchange port and its store.
 * A revocable view forwards every call until `revoke()`; after that a call reaches nothing and
 * never answers, an answer still in flight is never delivered, and stream events stop. So
 * nothing a dead worker had in flight reaches the venue or the store afterwards.
 *
 * @example
 * const gate = new Revocation(); const port = revocable(createSimPort(venue, 'a'), gate);
 * gate.revoke(); // port.createOrder(...) now never reaches the venue and never settles
 */
export class Revocation {
  revoked = false;
  private readonly hooks: (() => void)[] = [];
  private stalled: { promise: Promise<void>; wake: () => void } | undefined;

  /** The worker stalls (a long GC pause, a frozen VM): nothing it asks or is answered runs until `wake`. */
  stall(): void {
    if (this.stalled !== undefined) return;
    let wake = (): void => {};
    const promise = new Promise<void>((resolve) => {
      wake = resolve;
    });
    this.stalled = { promise, wake };
  }

  wake(): void {
    const stalled = this.stalled;
    this.stalled = undefined;
    stalled?.wake();
  }

  /** Resolves at once, or when a stalled worker wakes. */
  awake(): Promise<void> {
    return this.stalled?.promise ?? Promise.resolve();
  }

  get isStalled(): boolean {
    return this.stalled !== undefined;
  }

  revoke(): void {
    if (this.revoked) return;
    this.revoked = true;
    for (const hook of this.hooks) hook();
  }

  onRevoke(hook: () => void): void {
    this.hooks.push(hook);
  }
}

const never = (): Promise<never> => new Promise<never>(() => {});

/**
 * `target` behind `gate`: methods called after the revocation never run nor settle; while the
 * worker is stalled, its calls (but `subscribe`) and their answers wait for it to wake.
 */
export function revocable<T extends object>(target: T, gate: Revocation): T {
  const held =
    (fn: (...a: unknown[]) => void) =>
    (...e: unknown[]): void => {
      if (gate.revoked) return;
      if (!gate.isStalled) fn(...e);
      else
        void gate.awake().then(() => {
          if (!gate.revoked) fn(...e);
        });
    };
  const call = (t: T, key: string | symbol, method: (...a: unknown[]) => unknown, args: unknown[]): unknown => {
    if (gate.revoked) return never();
    const wrapped =
      key === 'subscribe' && typeof args[0] === 'function'
        ? [held(args[0] as (...a: unknown[]) => void), ...args.slice(1)]
        : args;
    const result = method.apply(t, wrapped);
    if (!(result instanceof Promise)) return result;
    return result.then(
      (v: unknown) => gate.awake().then(() => (gate.revoked ? never() : v)),
      (e: unknown) => gate.awake().then(() => (gate.revoked ? never() : Promise.reject(e))),
    );
  };
  return new Proxy(target, {
    get(t, key, receiver) {
      const value: unknown = Reflect.get(t, key, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...a: unknown[]) => unknown;
      return (...args: unknown[]): unknown => {
        if (gate.revoked) return never();
        if (gate.isStalled && key !== 'subscribe') return gate.awake().then(() => call(t, key, method, args));
        return call(t, key, method, args);
      };
    },
  });
}
