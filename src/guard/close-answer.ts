/**
 * What a close request finds, and so what is now happening (see docs/architecture.md, Closes):
 * `requested` (a close was sent to the position), `alreadyClosing` (one is under way) or
 * `alreadyFinal` (nothing to close). One rule for the guard, the fleet's hand-over and the API.
 */
import { FINAL_STATES, type PositionStateName } from '../machines/position.machine.js';

export interface CloseAnswer {
  readonly id: string;
  readonly state: PositionStateName;
  readonly result: 'requested' | 'alreadyClosing' | 'alreadyFinal';
}

const CLOSING: readonly PositionStateName[] = ['closing', 'rollingBack', 'verifyingClosed'];

/** The answer without sending anything when the position is closing or final already; `undefined` when a close must be sent. */
export function closeAnswerBefore(id: string, state: PositionStateName): CloseAnswer | undefined {
  if (FINAL_STATES.includes(state)) return { id, state, result: 'alreadyFinal' };
  if (CLOSING.includes(state)) return { id, state, result: 'alreadyClosing' };
  return undefined;
}
