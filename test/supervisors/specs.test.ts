import { describe, expect, it } from 'vitest';
import { shouldRestart, type ExitReason, type RestartType } from '../../src/supervisors/child-spec.js';
import { InvalidSupervisorSpec } from '../../src/supervisors/errors.js';
import { validateSupervisorSpec, type SupervisorSpec } from '../../src/supervisors/supervisor-spec.js';

const normal: ExitReason = { kind: 'normal' };
const crash: ExitReason = { kind: 'error', error: new Error('boom') };

describe('which exits are restarted (OTP restart types)', () => {
  it.each<[RestartType, ExitReason, boolean]>([
    ['permanent', normal, true],
    ['permanent', crash, true],
    ['transient', normal, false],
    ['transient', crash, true],
    ['temporary', normal, false],
    ['temporary', crash, false],
  ])('a %s child after a %o exit: restarted = %s', (restart, reason, restarted) => {
    expect(shouldRestart(restart, reason)).toBe(restarted);
  });
});

describe('supervisor spec validation', () => {
  const child = { id: 'a', restart: 'permanent' as const, start: () => ({ stop: () => undefined }) };
  const valid: SupervisorSpec = {
    id: 'sup',
    strategy: 'one_for_one',
    intensity: 3,
    periodMs: 1_000,
    backoff: { minMs: 10, maxMs: 100, jitter: 0.2 },
    children: [child],
  };

  it('accepts a sound spec, intensity 0 included', () => {
    expect(() => validateSupervisorSpec(valid)).not.toThrow();
    expect(() => validateSupervisorSpec({ ...valid, intensity: 0 })).not.toThrow();
  });

  it.each<[string, Partial<SupervisorSpec> | Record<string, unknown>, string]>([
    ['a negative intensity', { intensity: -1 }, 'intensity'],
    ['a fractional intensity', { intensity: 1.5 }, 'intensity'],
    ['a zero period', { periodMs: 0 }, 'periodMs'],
    ['an infinite period', { periodMs: Number.POSITIVE_INFINITY }, 'periodMs'],
    ['a negative minMs', { backoff: { minMs: -1, maxMs: 100, jitter: 0 } }, 'backoff.minMs'],
    ['a maxMs below minMs', { backoff: { minMs: 100, maxMs: 10, jitter: 0 } }, 'backoff.maxMs'],
    ['a jitter above 1', { backoff: { minMs: 1, maxMs: 10, jitter: 1.5 } }, 'backoff.jitter'],
    ['a jitter that is not a number', { backoff: { minMs: 1, maxMs: 10, jitter: Number.NaN } }, 'backoff.jitter'],
    ['an unknown strategy', { strategy: 'one_for_all' }, 'strategy'],
    ['an unknown budget scope', { budgetScope: 'global' }, 'budgetScope'],
    ['two children with one id', { children: [child, child] }, 'children'],
    ['a negative shutdownMs', { children: [{ ...child, shutdownMs: -5 }] }, 'children.a.shutdownMs'],
  ])('refuses %s', (_name, patch, field) => {
    const spec = { ...valid, ...patch } as SupervisorSpec;
    expect(() => validateSupervisorSpec(spec)).toThrow(InvalidSupervisorSpec);
    try {
      validateSupervisorSpec(spec);
    } catch (e) {
      expect((e as InvalidSupervisorSpec).field).toBe(field);
      expect((e as InvalidSupervisorSpec).code).toBe('INVALID_SUPERVISOR_SPEC');
    }
  });
});
