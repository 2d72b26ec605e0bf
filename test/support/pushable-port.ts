/**
 * A port whose private stream a test can also push into: everything else is the inner port's.
 * For reports no venue (or simulator) would send on its own: a malformed one, a REST read
 * at a chosen time.
 *
 * @example
 * const { port, push } = pushablePort(createSimPort(sim, 'main'));
 * guard = await createGuard(config, { ports: { main: port } });
 * push({ type: 'position', report });
 */
import type { ExchangePort, StreamEvent } from '../../src/exchange/port.js';

export function pushablePort(inner: ExchangePort): { port: ExchangePort; push: (event: StreamEvent) => void } {
  let handler: ((event: StreamEvent) => void) | undefined;
  const port: ExchangePort = Object.assign(Object.create(inner) as ExchangePort, {
    subscribe: (onEvent: (e: StreamEvent) => void) => {
      handler = onEvent;
      return inner.subscribe(onEvent);
    },
  });
  const push = (event: StreamEvent): void => {
    if (handler === undefined) throw new Error('nothing has subscribed to the stream yet');
    handler(event);
  };
  return { port, push };
}
