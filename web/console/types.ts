// The shapes the console's API answers with (bin/cli/console/api.ts), as the page reads them.
export interface TaskEvent {
  readonly at: string;
  readonly status: string;
  readonly detail?: string;
}

export interface TaskProgress {
  readonly percent: number;
  readonly message?: string;
  readonly at: string;
}

export interface Task {
  readonly taskId: string;
  readonly function: string;
  readonly status: string;
  readonly events: readonly TaskEvent[];
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly progress?: TaskProgress;
  readonly payload?: unknown;
  readonly payloadRef?: unknown;
  readonly result?: unknown;
  readonly resultRef?: unknown;
  readonly error?: { readonly type?: string; readonly message?: string; readonly [key: string]: unknown };
  readonly executionRef?: string;
}

export interface Info {
  readonly target: string;
  readonly functions: readonly string[];
  readonly statuses: readonly string[];
  readonly aws: { readonly region: string } | null;
}

export interface TaskPageAnswer {
  readonly task: Task;
  readonly links?: { readonly execution?: string; readonly logGroup?: string };
}

export interface LogLine {
  readonly id: string;
  readonly timestamp: number;
  readonly message: string;
}

export interface DlqRow {
  readonly messageId: string;
  readonly sentAt?: string;
  readonly taskId?: string;
  readonly function?: string;
  readonly streamRecord?: string;
  readonly stopped?: boolean;
  readonly invalid?: string;
  readonly condition?: string;
  readonly error?: string;
}

export interface RedriveReport {
  readonly redriven: readonly string[];
  readonly skipped: readonly { readonly taskId: string | null; readonly reason: string }[];
}

export interface StreamRow {
  readonly mapping: string;
  readonly function: string;
  readonly topic: string;
  readonly group: string;
  readonly lag: Readonly<Record<string, number>>;
  readonly lastBatch: { readonly taskId: string; readonly status: string; readonly at: string } | null;
  readonly failedRecords: number;
  readonly batches: number;
}

export const TERMINAL = ['SUCCEEDED', 'FAILED', 'STOPPED', 'EXPIRED'];
export const STOPPABLE = ['QUEUED', 'RETRYING', 'RUNNING'];
export const RETRYABLE = ['FAILED', 'STOPPED', 'EXPIRED'];
