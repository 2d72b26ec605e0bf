/**
 * The test side of `worker-process.ts`: spawns a posguard worker as a child process
 * (`node --import ccxt --import tsx`, so that the pid the test holds is the worker itself),
 * sends it commands, collects its JSON lines, waits for a line with a timeout, and kills it.
 * Every child is tracked until it exits; `killAllWorkers()` (call it from `afterAll` /
 * `afterEach`) SIGKILLs whatever is left, and a process-exit hook does so too, so that no
 * worker outlives the test run.
 *
 * @example
 * const w = spawnWorker({ config, redisPrefix, workerId: 'w1' }, { crashAt: 'verifying' });
 * await w.ready();
 * const opened = await w.request({ cmd: 'open', intent }, 'opened');
 * await w.exited; // { code: null, signal: 'SIGKILL' }
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import {
  WORKER_SETTINGS_ENV,
  type WorkerCommand,
  type WorkerLine,
  type WorkerLineOf,
  type WorkerSettings,
} from './worker-protocol.js';

const WORKER_ENTRY = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** `POSGUARD_CRASH_AT` for this worker: it SIGKILLs itself there. */
  readonly crashAt?: string;
}

type Waiter = { match: (l: WorkerLine) => boolean; resolve: (l: WorkerLine) => void };
type CommandBody = WorkerCommand extends infer C ? (C extends WorkerCommand ? Omit<C, 'ref'> : never) : never;

const live = new Set<WorkerProcess>();
let refs = 0;

export class WorkerProcess {
  readonly lines: WorkerLine[] = [];
  /** Whatever the worker wrote on stderr (for failure messages). */
  stderr = '';
  /** Resolves once the process has exited, with its code or the signal that ended it. */
  readonly exited: Promise<WorkerExit>;
  exit: WorkerExit | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(
    readonly settings: WorkerSettings,
    options: SpawnOptions = {},
  ) {
    const env: NodeJS.ProcessEnv = { ...process.env, [WORKER_SETTINGS_ENV]: JSON.stringify(settings) };
    delete env.POSGUARD_CRASH_AT;
    if (options.crashAt !== undefined) env.POSGUARD_CRASH_AT = options.crashAt;
    // ccxt is imported before tsx registers its hooks: through them its hundreds of modules
    // take a second longer to load, and every crash test spawns two workers.
    this.child = spawn(process.execPath, ['--import', 'ccxt', '--import', 'tsx', WORKER_ENTRY], {
      cwd: REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    live.add(this);
    this.exited = new Promise<WorkerExit>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      });
    });
    this.child.stdin.on('error', () => {}); // writing to a worker that just died
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = `${this.stderr}${chunk.toString()}`.slice(-8_000);
    });
    createInterface({ input: this.child.stdout }).on('line', (text) => {
      let line: WorkerLine;
      try {
        line = JSON.parse(text) as WorkerLine;
      } catch {
        this.stderr += `\n(stdout, not JSON) ${text}`;
        return;
      }
      this.lines.push(line);
      for (const w of [...this.waiters]) {
        if (w.match(line)) {
          this.waiters.delete(w);
          w.resolve(line);
        }
      }
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get name(): string {
    return this.settings.workerId;
  }

  /** The process's scheduler state and CPU time from /proc (for failure messages). */
  procState(): string {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return `state ${stat[0]}, utime ${stat[11]} stime ${stat[12]} ticks`;
    } catch {
      return 'gone';
    }
  }

  /** The first line (seen already or to come) that matches; rejects after `timeoutMs` or when the worker exits first. */
  waitFor<L extends WorkerLine = WorkerLine>(
    match: (l: WorkerLine) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<L> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen as L);
    return new Promise<L>((resolve, reject) => {
      const fail = (why: string) => {
        this.waiters.delete(waiter);
        clearTimeout(timer);
        reject(
          new Error(
            `worker ${this.name} (${this.procState()}): ${what}: ${why}\n--- its last lines:\n${this.lines
              .slice(-15)
              .map((l) => JSON.stringify(l))
              .join('\n')}\n--- stderr:\n${this.stderr.slice(-2_000)}`,
          ),
        );
      };
      const waiter: Waiter = {
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l as L);
        },
      };
      const timer = setTimeout(() => fail(`nothing within ${timeoutMs} ms`), timeoutMs);
      this.waiters.add(waiter);
      void this.exited.then((e) => {
        if (this.waiters.has(waiter)) fail(`it exited first (code ${e.code}, signal ${e.signal})`);
      });
    });
  }

  /** Resolves once the guard is up (its rehydration done); rejects if it failed to start. */
  ready(timeoutMs = 15_000): Promise<WorkerLineOf<'ready'>> {
    return this.waitFor<WorkerLineOf<'ready'>>((l) => l.type === 'ready', timeoutMs, 'ready');
  }

  /** Sends a command without waiting for its reply; returns its `ref`. */
  send(command: CommandBody): string {
    const ref = `r${++refs}`;
    this.child.stdin.write(`${JSON.stringify({ ...command, ref })}\n`);
    return ref;
  }

  /** Sends a command and resolves with its reply (`expected`), or rejects with the refusal. */
  async request<T extends WorkerLine['type']>(
    command: CommandBody,
    expected: T,
    timeoutMs = 10_000,
  ): Promise<WorkerLineOf<T>> {
    const ref = this.send(command);
    const reply = await this.waitFor((l) => 'ref' in l && l.ref === ref, timeoutMs, `reply to ${command.cmd}`);
    if (reply.type !== expected) throw new WorkerRefusal(reply);
    return reply as WorkerLineOf<T>;
  }

  /** The transitions of one position, in order. */
  transitions(positionId: string): WorkerLineOf<'transition'>[] {
    return this.lines.filter((l): l is WorkerLineOf<'transition'> => l.type === 'transition' && l.id === positionId);
  }

  /** Waits until the position enters one of `states` on this worker. */
  reaches(positionId: string, states: readonly string[], timeoutMs: number): Promise<WorkerLineOf<'transition'>> {
    return this.waitFor<WorkerLineOf<'transition'>>(
      (l) => l.type === 'transition' && l.id === positionId && states.includes(l.state),
      timeoutMs,
      `position ${positionId} reaching ${states.join('|')}`,
    );
  }

  signal(sig: NodeJS.Signals): void {
    if (this.exit === undefined) this.child.kill(sig);
  }

  /** SIGKILL (as `kill -9`), and wait for the exit. */
  async kill(): Promise<WorkerExit> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /** Asks the guard to stop; SIGKILLs it if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 5_000): Promise<WorkerExit> {
    if (this.exit !== undefined) return this.exit;
    this.send({ cmd: 'stop' });
    const timer = setTimeout(() => this.signal('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A command the worker answered with `refused` (the guard threw). */
export class WorkerRefusal extends Error {
  readonly code: string | undefined;
  constructor(readonly line: WorkerLine) {
    super(
      line.type === 'refused'
        ? `${line.cmd} refused (${line.code ?? line.error}): ${line.message}`
        : `unexpected reply ${JSON.stringify(line)}`,
    );
    this.code = line.type === 'refused' ? line.code : undefined;
  }
}

export function spawnWorker(settings: WorkerSettings, options: SpawnOptions = {}): WorkerProcess {
  return new WorkerProcess(settings, options);
}

/** SIGKILLs every worker still alive (SIGCONT first, in case a test paused it) and waits for them. */
export async function killAllWorkers(): Promise<void> {
  const all = [...live];
  for (const w of all) {
    w.signal('SIGCONT');
    w.signal('SIGKILL');
  }
  await Promise.all(all.map((w) => w.exited));
}

process.once('exit', () => {
  for (const w of live) w.signal('SIGKILL');
});
