/**
 * The heartbeat: pings a dead-man URL (`alerts.heartbeat.url`, e.g. a healthchecks.io
 * check) at once on `start()` and then every `everyMs` on the injected clock, so that the
 * silence of a stopped or wedged worker is noticed by someone else. Each ping has a timeout;
 * a failed ping is logged (without the URL: dead-man URLs carry their token in the path) and
 * never thrown. A ping still running when the next is due is not doubled.
 *
 * Receives: clock ticks. Sends: one HTTP request per interval. Touches: the log.
 *
 * @example
 * const heartbeat = new Heartbeat({ url: 'https://hc-ping.com/uuid', everyMs: 60_000, clock: systemClock, log });
 * heartbeat.start();
 * await heartbeat.stop();
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log/logger.js';
import { redactText } from '../log/redact.js';
import { describeError } from './errors.js';
import type { FetchLike } from './http-post.js';
import { urlSecrets } from './url-secrets.js';

/** The `alerts.heartbeat` section with the clock, logger and `fetch` to use. */
export interface HeartbeatOptions {
  readonly url: string;
  readonly everyMs: number;
  /** The clock of the interval (XState's `SimulatedClock` in tests). */
  readonly clock: Clock;
  readonly log: Logger;
  /** `GET` unless given. */
  readonly method?: 'GET' | 'POST';
  /** Per ping; the smaller of 10 s and `everyMs` unless given. */
  readonly timeoutMs?: number;
  readonly fetch?: FetchLike;
  /**
   * Whether this worker is healthy enough to say so: a halted guard, or one that cannot drive an
   * account, stays silent, so that the dead-man check notices. Always healthy unless given.
   */
  readonly healthy?: () => boolean;
}

/** Pings a URL on an interval; see the file header. */
export class Heartbeat {
  private readonly log: Logger;
  private timer: unknown;
  private running = false;
  private inFlight: Promise<boolean> | undefined;
  private failing = false;
  private readonly secrets: readonly string[];

  constructor(private readonly options: HeartbeatOptions) {
    this.log = options.log.child({ component: 'heartbeat' });
    this.secrets = urlSecrets(options.url);
  }

  /** Pings now, then every `everyMs`. Calling it again while running does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** Stops the interval and waits for a ping in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** One ping: true when the URL answered 2xx in time. Never throws. */
  async ping(): Promise<boolean> {
    const { method = 'GET', everyMs } = this.options;
    const timeoutMs = this.options.timeoutMs ?? Math.min(10_000, everyMs);
    const doFetch = this.options.fetch ?? ((input, init) => fetch(input, init));
    try {
      const response = await doFetch(this.options.url, {
        method,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'follow',
      });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) return this.failed(`HTTP ${response.status}`);
      if (this.failing) this.log.info({}, 'heartbeat ping answered again');
      this.failing = false;
      this.log.debug({ status: response.status }, 'heartbeat ping');
      return true;
    } catch (e) {
      const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
      return this.failed(timedOut ? `no reply within ${timeoutMs} ms` : describeError(e));
    }
  }

  private tick(): void {
    if (!this.running) return;
    this.timer = this.options.clock.setTimeout(() => this.tick(), this.options.everyMs);
    if (this.inFlight !== undefined) {
      this.log.debug({}, 'heartbeat ping still running: this one is skipped');
      return;
    }
    if (this.options.healthy !== undefined && !this.options.healthy()) {
      this.log.warn(
        {},
        'heartbeat not sent: this worker is halted or cannot drive an account (the dead-man check will notice)',
      );
      return;
    }
    this.inFlight = this.ping().finally(() => {
      this.inFlight = undefined;
    });
  }

  private failed(reason: string): false {
    this.log.warn(
      { reason: redactText(reason, this.secrets) },
      'heartbeat ping failed; the dead-man check will notice if this goes on',
    );
    this.failing = true;
    return false;
  }
}
