/**
 * The line protocol between a test and a posguard worker child process
 * (`worker-process.ts`): the settings it starts with (one JSON object in an environment
 * variable), the commands it reads on stdin and the lines it prints on stdout — one JSON
 * object per line each way. Types only, shared by the worker and the test-side driver.
 */
import type { ConfigInput } from '../../src/config/config.js';
import type { PositionStateName } from '../../src/machines/position.machine.js';

/** The environment variable that carries `WorkerSettings` as JSON. */
export const WORKER_SETTINGS_ENV = 'POSGUARD_WORKER_SETTINGS';

export interface WorkerSettings {
  /** The guard's config (accounts with wire-simulator `urls`, `redis`, timings, lease TTL). */
  readonly config: ConfigInput;
  readonly redisPrefix: string;
  readonly workerId: string;
  /** `GuardOptions.handoverDeadlineMs` (10 s unless given). */
  readonly handoverDeadlineMs?: number;
}

/** A command on stdin; `ref` comes back on the reply so that replies can be matched. */
export type WorkerCommand =
  | { readonly cmd: 'open'; readonly ref: string; readonly intent: Record<string, unknown> }
  | { readonly cmd: 'close'; readonly ref: string; readonly id: string }
  | { readonly cmd: 'positions'; readonly ref: string }
  | { readonly cmd: 'alerts'; readonly ref: string }
  | { readonly cmd: 'flush'; readonly ref: string }
  | { readonly cmd: 'sweep'; readonly ref: string; readonly kind: 'orphans' | 'reconcile' }
  | { readonly cmd: 'halt'; readonly ref: string; readonly account: string; readonly reason: string }
  | { readonly cmd: 'resume'; readonly ref: string; readonly account: string }
  | { readonly cmd: 'stop'; readonly ref: string };

export interface WorkerRow {
  readonly id: string;
  readonly state: PositionStateName;
  readonly size: number;
  readonly reason: string | undefined;
  readonly history: readonly { readonly at: number; readonly state: PositionStateName }[];
}

export interface WorkerAlert {
  readonly kind: string;
  readonly positionId: string | undefined;
  readonly message: string;
}

/** A line on stdout: replies (with `ref`) and the guard's events as they happen. */
export type WorkerLine =
  /** `guardStartMs`: how long `createGuard` took (lease, markets, rehydration, first sweep). */
  | { readonly type: 'ready'; readonly workerId: string; readonly pid: number; readonly guardStartMs: number }
  | { readonly type: 'opened'; readonly ref: string; readonly id: string; readonly state: PositionStateName }
  | { readonly type: 'closeAsked'; readonly ref: string; readonly id: string; readonly result: string }
  | { readonly type: 'halted'; readonly ref: string; readonly account: string }
  | { readonly type: 'resumed'; readonly ref: string; readonly account: string }
  | {
      readonly type: 'refused';
      readonly ref: string;
      readonly cmd: string;
      readonly code: string | undefined;
      readonly error: string;
      readonly message: string;
    }
  | { readonly type: 'positions'; readonly ref: string; readonly rows: readonly WorkerRow[] }
  | { readonly type: 'alerts'; readonly ref: string; readonly alerts: readonly WorkerAlert[] }
  | { readonly type: 'flushed'; readonly ref: string }
  | { readonly type: 'swept'; readonly ref: string; readonly actions: readonly string[] }
  | { readonly type: 'stopped'; readonly ref: string | undefined }
  /** This worker took an account's lease or lost it. */
  | { readonly type: 'lease'; readonly account: string; readonly held: boolean }
  | {
      readonly type: 'transition';
      readonly id: string;
      readonly from: PositionStateName;
      readonly state: PositionStateName;
      readonly size: number;
      readonly reason: string | undefined;
      readonly at: number;
    }
  | ({ readonly type: 'alert' } & WorkerAlert)
  /** A line the guard logged at warn or above (its fields as pino wrote them). */
  | { readonly type: 'log'; readonly line: Record<string, unknown> }
  | { readonly type: 'fatal'; readonly message: string };

export type WorkerLineOf<T extends WorkerLine['type']> = Extract<WorkerLine, { type: T }>;
