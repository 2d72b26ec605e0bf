/**
 * A final position leaves a worker's memory (see docs/architecture.md, The fleet): its registry
 * row and its idempotency key go; Redis keeps its record, its history and its key, and answers
 * for it from then on (`GET /v1/positions/:id`, `settled()`, the same key again). So nothing a
 * worker keeps grows with the number of positions ever opened.
 *
 * Receives: a final position's id. Touches: the registry and the worker's key map.
 */
import type { PositionId } from '../domain/ids.js';
import { FINAL_STATES } from '../machines/position.machine.js';
import type { PositionRegistry } from '../guard/registry.js';

export function evictFinal(id: PositionId, registry: PositionRegistry, keys: Map<string, PositionId>): void {
  const row = registry.get(id);
  if (row !== undefined && !FINAL_STATES.includes(row.state)) return;
  registry.forget(id);
  for (const [key, value] of keys) if (value === id) keys.delete(key);
}
