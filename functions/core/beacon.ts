// An attempt's link to its task record, in every lane that runs code (the Lambda runtime, the transcoder
// worker): heartbeats (every heartbeatMs, so the sweeper sees the attempt alive), progress (written at most
// once a second, plus the final one) and stop detection: a heartbeat that finds the record STOPPING, or finds
// that this attempt no longer owns the task, fires `onStop`.
import { DEFAULTS } from './facts.js';
import type { TaskRegistry } from './registry.js';

/** Why the work must stop: a stop was requested, or another attempt owns the task now. */
export type StopCause = 'stopping' | 'lost';

export interface BeaconOptions {
  readonly registry: TaskRegistry;
  readonly taskId: string;
  readonly executionRef: string;
  /** Liveness heartbeat interval. @default DEFAULTS.heartbeatSeconds × 1000 */
  readonly heartbeatMs?: number;
  /** Minimum time between two progress writes. @default 1000 */
  readonly progressIntervalMs?: number;
  /** Called once, with the reason, when the work must stop. */
  readonly onStop: (reason: string, cause: StopCause) => void;
  /** Heartbeat write failures (network): logged by the caller, never fatal. */
  readonly onError?: (error: unknown) => void;
}

export interface Progress {
  readonly percent: number;
  readonly message?: string;
}

export class TaskBeacon {
  private timer: NodeJS.Timeout | undefined;
  private trailing: NodeJS.Timeout | undefined;
  private lastProgressAt = 0;
  private pending: Progress | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: BeaconOptions) {}

  /**
   * One heartbeat now (unless `immediate` is false: the claim just wrote one); then one every heartbeatMs until
   * close(). Resolves false when the attempt must not run (the record is STOPPING or owned by another attempt).
   */
  async start(immediate = true): Promise<boolean> {
    if (immediate) await this.beat();
    this.timer = setInterval(() => void this.beat(), this.options.heartbeatMs ?? DEFAULTS.heartbeatSeconds * 1000);
    this.timer.unref();
    return !this.stopped;
  }

  /**
   * Records progress: at once if the last write is a second old, else once that second is over. Resolves when
   * the write it made at once is done (at once when the write is deferred).
   */
  progress(percent: number, message?: string): Promise<void> {
    if (!Number.isFinite(percent)) return Promise.resolve(); // nothing to report
    this.pending = { percent: round(percent), ...(message ? { message } : {}) };
    const interval = this.options.progressIntervalMs ?? 1000;
    const wait = this.lastProgressAt + interval - Date.now();
    if (wait <= 0) return this.flushPending();
    if (!this.trailing) {
      this.trailing = setTimeout(() => {
        this.trailing = undefined;
        void this.flushPending();
      }, wait);
      this.trailing.unref();
    }
    return Promise.resolve();
  }

  /** Writes this progress now, whatever the rate limit (the final 100). */
  async finalProgress(percent: number, message?: string): Promise<void> {
    this.pending = { percent: round(percent), ...(message ? { message } : {}) };
    await this.flushPending();
  }

  /** Stops the timers and waits for the write in flight. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.trailing) clearTimeout(this.trailing);
    this.timer = undefined;
    this.trailing = undefined;
    await this.inFlight;
  }

  private flushPending(): Promise<void> {
    const progress = this.pending;
    this.pending = undefined;
    this.lastProgressAt = Date.now();
    return progress ? this.beat(progress) : Promise.resolve();
  }

  /** Writes one heartbeat after the one in flight (never two at once, never out of order). */
  private beat(progress?: Progress): Promise<void> {
    const { registry, taskId, executionRef } = this.options;
    this.inFlight = this.inFlight.then(async () => {
      try {
        const record = await registry.heartbeat(taskId, executionRef, progress);
        if (!record) this.stop(`attempt ${executionRef} no longer owns task '${taskId}'`, 'lost');
        else if (record.status === 'STOPPING') this.stop(`task '${taskId}' is STOPPING`, 'stopping');
      } catch (error) {
        this.options.onError?.(error);
      }
    });
    return this.inFlight;
  }

  private stop(reason: string, cause: StopCause): void {
    if (this.stopped) return;
    this.stopped = true;
    this.options.onStop(reason, cause);
  }
}

function round(percent: number): number {
  return Math.round(Math.min(100, Math.max(0, percent)) * 10) / 10;
}
