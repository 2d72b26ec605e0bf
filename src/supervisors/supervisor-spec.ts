/**
 * Supervisor specs: a supervisor as data (strategy, restart budget, backoff, children), and
 * the check that a spec makes sense. Receives a spec, sends nothing, touches nothing; an
 * invalid spec is an `InvalidSupervisorSpec` thrown when the `Supervisor` is constructed.
 *
 * @example
 * const feeds: SupervisorSpec = {
 *   id: 'feeds', strategy: 'one_for_one', intensity: 3, periodMs: 60_000,
 *   backoff: { minMs: 500, maxMs: 30_000, jitter: 0.2 }, children: [feedChild],
 * };
 */
import type { ChildSpec } from './child-spec.js';
import { InvalidSupervisorSpec } from './errors.js';

/** Exponential backoff before a restart: `minMs · 2^n` capped at `maxMs`, minus up to `jitter` of it. */
export interface BackoffSpec {
  readonly minMs: number;
  readonly maxMs: number;
  /** 0..1: the fraction of the delay that is randomised (0 = exact delays). */
  readonly jitter: number;
}

/**
 * A supervisor as data. `intensity` restarts are allowed within any `periodMs` window; one
 * more escalates. `budgetScope` says whose restarts count against that budget: each child's
 * own (`'child'`, the default: one flapping child escalates, unrelated single crashes of many
 * children do not), or all children's together (`'supervisor'`, as in Erlang/OTP).
 *
 * @example
 * const positions: SupervisorSpec = {
 *   id: 'positions', strategy: 'one_for_one', intensity: 5, periodMs: 60_000,
 *   backoff: { minMs: 100, maxMs: 5_000, jitter: 0.5 }, children: [],
 * };
 */
export interface SupervisorSpec {
  readonly id: string;
  readonly strategy: 'one_for_one';
  readonly intensity: number;
  readonly periodMs: number;
  readonly backoff: BackoffSpec;
  readonly budgetScope?: 'child' | 'supervisor';
  readonly children: readonly ChildSpec[];
}

/**
 * Throws `InvalidSupervisorSpec` when a spec cannot be run: a negative or fractional
 * intensity, a period that is not positive, a backoff outside its bounds, an unknown
 * strategy, a negative `shutdownMs`, or two children with one id.
 *
 * @example
 * validateSupervisorSpec({ ...spec, intensity: -1 }); // throws InvalidSupervisorSpec('intensity', …)
 */
export function validateSupervisorSpec(spec: SupervisorSpec): void {
  const fail = (field: string, reason: string): never => {
    throw new InvalidSupervisorSpec(spec.id, field, reason);
  };
  if (spec.strategy !== 'one_for_one')
    fail('strategy', `is '${String(spec.strategy)}'; only 'one_for_one' is supported`);
  if (!Number.isInteger(spec.intensity) || spec.intensity < 0)
    fail('intensity', `is ${spec.intensity}; expected an integer ≥ 0`);
  if (!Number.isFinite(spec.periodMs) || spec.periodMs <= 0)
    fail('periodMs', `is ${spec.periodMs}; expected a number of milliseconds > 0`);
  const { minMs, maxMs, jitter } = spec.backoff;
  if (!Number.isFinite(minMs) || minMs < 0) fail('backoff.minMs', `is ${minMs}; expected ≥ 0`);
  if (!Number.isFinite(maxMs) || maxMs < minMs)
    fail('backoff.maxMs', `is ${maxMs}; expected ≥ backoff.minMs (${minMs})`);
  if (!(jitter >= 0 && jitter <= 1)) fail('backoff.jitter', `is ${jitter}; expected 0..1`);
  if (spec.budgetScope !== undefined && spec.budgetScope !== 'child' && spec.budgetScope !== 'supervisor') {
    fail('budgetScope', `is '${String(spec.budgetScope)}'; expected 'child' or 'supervisor'`);
  }
  const seen = new Set<string>();
  for (const child of spec.children) {
    if (seen.has(child.id)) fail('children', `has two children with id '${child.id}'; ids must be unique`);
    seen.add(child.id);
    validateChildSpec(spec.id, child);
  }
}

/**
 * The per-child part of the check (also run on children added with `startChild`).
 *
 * @example
 * validateChildSpec('positions', { ...child, shutdownMs: -1 }); // throws InvalidSupervisorSpec
 */
export function validateChildSpec(supervisorId: string, child: ChildSpec): void {
  const { shutdownMs, restart } = child;
  if (restart !== 'permanent' && restart !== 'transient' && restart !== 'temporary') {
    throw new InvalidSupervisorSpec(
      supervisorId,
      `children.${child.id}.restart`,
      `is '${String(restart)}'; expected permanent, transient or temporary`,
    );
  }
  if (shutdownMs !== undefined && !(Number.isFinite(shutdownMs) && shutdownMs >= 0)) {
    throw new InvalidSupervisorSpec(
      supervisorId,
      `children.${child.id}.shutdownMs`,
      `is ${shutdownMs}; expected a number of milliseconds ≥ 0`,
    );
  }
}
