// State machines and execution records (metadata, input, output, status, history), kept in memory and
// persisted as one JSON file each under `<dataDir>/stepfunctions/`. Each write goes to a temporary file
// that is then renamed over the record, so a crash leaves either the old or the new record, never half.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A history event as GetExecutionHistory returns it, with `timestamp` in epoch milliseconds. */
export interface HistoryEventRecord {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** Epoch milliseconds, like every date in these records. */
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: number;
  /** The definition the execution runs: a redrive uses it, as AWS does, even if the machine changed since. */
  definition: string;
  roleArn: string;
  /** Start order, to list executions started in the same millisecond newest first. */
  seq: number;
  events: HistoryEventRecord[];
}

export interface StateMachineRecord {
  stateMachineArn: string;
  name: string;
  definition: string;
  roleArn: string;
  type: 'STANDARD' | 'EXPRESS';
  creationDate: number;
}

export interface ExecutionFilter {
  readonly stateMachineArn?: string;
  readonly statusFilter?: ExecutionStatus;
  readonly redriveFilter?: 'REDRIVEN' | 'NOT_REDRIVEN';
}

interface PendingWrite {
  dirty: boolean;
  snapshot: () => unknown;
  running: Promise<void> | undefined;
}

const fileName = (arn: string): string => `${createHash('sha256').update(arn).digest('hex').slice(0, 40)}.json`;

export class ExecutionStore {
  readonly executions = new Map<string, ExecutionRecord>();
  readonly machines = new Map<string, StateMachineRecord>();
  private readonly executionDir: string;
  private readonly machineDir: string;
  private readonly writes = new Map<string, PendingWrite>();
  private seq = 0;
  private tmpCounter = 0;
  private closed = false;

  constructor(
    dataDir: string,
    private readonly onError: (message: string, error: unknown) => void,
  ) {
    const root = join(dataDir, 'stepfunctions');
    this.executionDir = join(root, 'executions');
    this.machineDir = join(root, 'state-machines');
    mkdirSync(this.executionDir, { recursive: true });
    mkdirSync(this.machineDir, { recursive: true });
    for (const rec of this.load<StateMachineRecord>(this.machineDir)) this.machines.set(rec.stateMachineArn, rec);
    for (const rec of this.load<ExecutionRecord>(this.executionDir)) {
      this.executions.set(rec.executionArn, rec);
      this.seq = Math.max(this.seq, rec.seq);
    }
  }

  nextSeq(): number {
    return ++this.seq;
  }

  saveExecution(rec: ExecutionRecord): void {
    this.executions.set(rec.executionArn, rec);
    this.schedule(join(this.executionDir, fileName(rec.executionArn)), () => rec);
  }

  saveMachine(rec: StateMachineRecord): void {
    this.machines.set(rec.stateMachineArn, rec);
    this.schedule(join(this.machineDir, fileName(rec.stateMachineArn)), () => rec);
  }

  /** Newest first (start date, then start order). */
  listExecutions(filter: ExecutionFilter): ExecutionRecord[] {
    return [...this.executions.values()]
      .filter((e) => !filter.stateMachineArn || e.stateMachineArn === filter.stateMachineArn)
      .filter((e) => !filter.statusFilter || e.status === filter.statusFilter)
      .filter((e) => !filter.redriveFilter || (filter.redriveFilter === 'REDRIVEN') === e.redriveCount > 0)
      .sort((a, b) => b.startDate - a.startDate || b.seq - a.seq);
  }

  /** Resolves once every record changed so far is on disk. */
  async flush(): Promise<void> {
    for (;;) {
      const running = [...this.writes.values()].map((w) => w.running).filter((p): p is Promise<void> => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** Flushes, then ignores later changes: what runs on after close must not overwrite what a new store reads. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private schedule(file: string, snapshot: () => unknown): void {
    if (this.closed) return;
    let pending = this.writes.get(file);
    if (!pending) {
      pending = { dirty: false, snapshot, running: undefined };
      this.writes.set(file, pending);
    }
    pending.dirty = true;
    pending.snapshot = snapshot;
    if (!pending.running) pending.running = this.drain(file, pending);
  }

  private async drain(file: string, pending: PendingWrite): Promise<void> {
    try {
      while (pending.dirty) {
        pending.dirty = false;
        const tmp = `${file}.${process.pid}.${++this.tmpCounter}.tmp`;
        await writeFile(tmp, JSON.stringify(pending.snapshot()));
        await rename(tmp, file);
      }
    } catch (error) {
      this.onError(`could not persist ${file}`, error);
    } finally {
      pending.running = undefined;
    }
  }

  private load<T>(dir: string): T[] {
    const records: T[] = [];
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry.endsWith('.tmp')) {
        rmSync(path, { force: true }); // a write the previous process did not finish
        continue;
      }
      if (!entry.endsWith('.json')) continue;
      try {
        records.push(JSON.parse(readFileSync(path, 'utf8')) as T);
      } catch (error) {
        this.onError(`skipping unreadable record ${path}`, error);
      }
    }
    return records;
  }
}
