import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorLike } from '../../functions/core/destination-record.js';

/** One accepted asynchronous invocation, from acceptance until its destination record is sent. */
export interface PendingEvent {
  readonly requestId: string;
  readonly functionName: string;
  readonly payload: unknown;
  readonly enqueuedAt: number;
  attempts: number;
  nextAttemptAt: number;
  /** Set while an attempt runs: found set at start-up, the attempt died with the platform. */
  inFlight: boolean;
  lastError?: ErrorLike;
}

/** Where accepted events live until they are done: Lambda's internal event queue. */
export interface EventStore {
  save(event: PendingEvent): void;
  remove(requestId: string): void;
  loadAll(): PendingEvent[];
}

export class MemoryEventStore implements EventStore {
  private readonly events = new Map<string, PendingEvent>();
  save(event: PendingEvent): void {
    this.events.set(event.requestId, { ...event });
  }
  remove(requestId: string): void {
    this.events.delete(requestId);
  }
  loadAll(): PendingEvent[] {
    return [...this.events.values()].map((e) => ({ ...e }));
  }
}

/** One JSON file per event, replaced atomically (write + rename): survives kill -9. */
export class DirectoryEventStore implements EventStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  save(event: PendingEvent): void {
    const file = join(this.dir, `${event.requestId}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(event));
    renameSync(`${file}.tmp`, file);
  }
  remove(requestId: string): void {
    rmSync(join(this.dir, `${requestId}.json`), { force: true });
  }
  loadAll(): PendingEvent[] {
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as PendingEvent)
      .sort((a, b) => a.enqueuedAt - b.enqueuedAt);
  }
}
