import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LogEvent {
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
  readonly eventId: string;
}

/**
 * CloudWatch Logs in miniature: log groups of JSON-lines files (or memory), appended as functions write
 * and read back by FilterLogEvents. Survives restarts when given a directory.
 */
export class LogStore {
  private readonly memory = new Map<string, LogEvent[]>();
  private sequence = 0;

  constructor(private readonly dir?: string) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  append(logGroupName: string, logStreamName: string, message: string, timestamp = Date.now()): void {
    const event: LogEvent = { logStreamName, timestamp, message, ingestionTime: Date.now(), eventId: `${timestamp}-${++this.sequence}` };
    if (this.dir) appendFileSync(this.fileOf(logGroupName), `${JSON.stringify(event)}\n`);
    else {
      const events = this.memory.get(logGroupName) ?? [];
      events.push(event);
      this.memory.set(logGroupName, events);
    }
  }

  read(logGroupName: string): LogEvent[] {
    if (!this.dir) return this.memory.get(logGroupName) ?? [];
    const file = this.fileOf(logGroupName);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line)
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as LogEvent];
        } catch {
          return [];
        }
      });
  }

  private fileOf(logGroupName: string): string {
    return join(this.dir ?? '', `${encodeURIComponent(logGroupName)}.jsonl`);
  }
}

/**
 * CloudWatch Logs filter patterns, the subset that selects by terms: `"exact phrase"` and bare words,
 * all of which must appear in the message. An empty pattern matches every event.
 */
export function matchesFilterPattern(message: string, pattern: string | undefined): boolean {
  if (!pattern?.trim()) return true;
  const terms = [...pattern.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] ?? m[2] ?? '').replace(/\\"/g, '"'));
  return terms.every((term) => message.includes(term));
}
