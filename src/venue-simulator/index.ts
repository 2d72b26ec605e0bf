/**
 * The wire simulator: the simulated exchange served over HTTP and WebSocket in the wire
 * formats of Bybit v5 and Binance USD-M, with an admin endpoint for its fault knobs.
 *
 * @example
 * import { startWireSimulator } from './venue-simulator/index.js';
 * const wire = await startWireSimulator({ venue });
 * wire.urls.bybit // { rest: 'http://127.0.0.1:PORT', ws: 'ws://127.0.0.1:PORT/v5/private', publicWs: 'ws://127.0.0.1:PORT/v5/public/linear' }
 */
export {
  startWireSimulator,
  type ScriptedReply,
  type WireSimulator,
  type WireSimulatorOptions,
  type WireUrls,
} from './wire-server.js';
export type { StreamFormat } from './stream-registry.js';
export { DEFAULT_WIRE_CREDENTIAL, type WireCredential } from './credentials.js';
export { BINANCE_ORDER_ID_BASE } from './wire-ids.js';
