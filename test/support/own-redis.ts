/**
 * A `redis-server` of a test file's own, on a free port, without persistence: for tests that
 * need Redis to go away (paused with SIGSTOP, stopped, restarted without its data). The shared
 * server on 127.0.0.1:6379 is never touched.
 *
 * @example
 * const own = await startOwnRedis();
 * own.pause();   // commands get no answer
 * own.resume();
 * await own.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A free TCP port on loopback (closed again before it is handed out). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Stops the process (SIGSTOP): connections stay open, commands get no answer. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** Starts a redis-server on `port` (a free one by default) and waits until it answers. */
export async function startOwnRedis(port?: number): Promise<OwnRedis> {
  const p = port ?? (await freePort());
  const child = spawn(
    'redis-server',
    ['--port', String(p), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${p}/0`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {}); // refused until the server listens
  try {
    for (let i = 0; ; i++) {
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch (e) {
        if (i > 100) throw new Error(`redis-server on port ${p} did not answer: ${String(e)}`);
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  } finally {
    probe.disconnect();
  }
  return {
    url,
    port: p,
    process: child,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: async () => {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
