// The dead-letter queue of the task destinations: reading a failure destination record and redriving the
// tasks of every record in the queue. The CLI's `stask redrive --dlq` parses flags and prints the report.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** What redrive needs from a failure destination record. */
export type DlqEntry =
  | { readonly taskId: string; readonly task?: string; readonly stopped: boolean }
  | { readonly invalid: string };

/** Reads a failure destination record (AWS Lambda's format; the task ID beside it or in the invocation event). */
export function parseDlqRecord(body: string | undefined): DlqEntry {
  let record: unknown;
  try {
    record = JSON.parse(body ?? '');
  } catch {
    return { invalid: 'the message is not JSON' };
  }
  if (!record || typeof record !== 'object') return { invalid: 'the message is not a destination record' };
  const r = record as {
    taskId?: unknown;
    requestPayload?: { taskId?: unknown; task?: unknown };
    requestContext?: { condition?: unknown };
    responsePayload?: { errorType?: unknown };
  };
  const taskId = typeof r.taskId === 'string' ? r.taskId : r.requestPayload?.taskId;
  if (typeof taskId !== 'string' || taskId === '') return { invalid: 'the destination record carries no task ID' };
  const task = typeof r.requestPayload?.task === 'string' ? r.requestPayload.task : undefined;
  // A task stopped on request also leaves a failure record (Lambda's RetriesExhausted with TaskStopped on the
  // short lane, condition Stopped on the others): it did not fail, so it is not re-run behind the user's back.
  const stopped = r.requestContext?.condition === 'Stopped' || r.responsePayload?.errorType === 'TaskStopped';
  return { taskId, ...(task !== undefined ? { task } : {}), stopped };
}

export interface RedriveReport {
  readonly redriven: string[];
  readonly skipped: { taskId: string | null; reason: string }[];
}

export interface RedriveOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Starts a new attempt of the task (TaskClient.retry). */
  readonly retry: (taskId: string) => Promise<unknown>;
  /** Only records of this task function. */
  readonly function?: string;
  /** Records sent after this time (ms) are left for the next run. */
  readonly startedAt: number;
  /** The reason a retry was refused, as the caller words it. @default the error's message */
  readonly explain?: (taskId: string, error: unknown) => string;
  /** Receives at most this many messages in one run. @default 10 000 */
  readonly maxMessages?: number;
}

/**
 * Retries the task of every failure record in the dead-letter queue (the task's function is
 * `requestPayload.task`), deleting the record once its task is re-queued. Records that cannot be redriven stay
 * in the queue and are reported; records of stopped tasks are skipped (retry those one by one on purpose);
 * records that arrive while it runs (the redriven task failed again) are left for the next run, so it always ends.
 */
export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveReport> {
  const { sqs, queueUrl } = options;
  const explain = options.explain ?? ((_taskId: string, error: unknown) => (error as Error).message ?? String(error));
  const maxMessages = options.maxMessages ?? 10_000;
  const report: RedriveReport = { redriven: [], skipped: [] };
  const leave: Message[] = [];
  const received = new Set<string>();

  const remove = (message: Message): Promise<unknown> =>
    sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
  try {
    while (received.size < maxMessages) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          // Long polling: a short poll may sample only some of AWS's servers and come back empty early.
          WaitTimeSeconds: 1,
          VisibilityTimeout: 300,
          MessageSystemAttributeNames: ['SentTimestamp'],
          AttributeNames: ['All'], // the same, for servers that only know the older parameter
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      for (const message of messages) {
        const id = message.MessageId ?? message.ReceiptHandle ?? '';
        const sentAt = Number(message.Attributes?.SentTimestamp);
        if (received.has(id) || (Number.isFinite(sentAt) && sentAt > options.startedAt)) {
          leave.push(message);
          continue;
        }
        received.add(id);
        const entry = parseDlqRecord(message.Body);
        if ('invalid' in entry) {
          report.skipped.push({ taskId: null, reason: `${entry.invalid} (message ${id})` });
          leave.push(message);
        } else if (options.function !== undefined && entry.task !== options.function) {
          leave.push(message);
        } else if (report.redriven.includes(entry.taskId)) {
          await remove(message); // an older record of a task this run already re-queued
        } else if (entry.stopped) {
          report.skipped.push({ taskId: entry.taskId, reason: `it was stopped on request; to run it again: stask retry ${entry.taskId}` });
          leave.push(message);
        } else {
          try {
            await options.retry(entry.taskId);
          } catch (error) {
            report.skipped.push({ taskId: entry.taskId, reason: explain(entry.taskId, error) });
            leave.push(message);
            continue;
          }
          report.redriven.push(entry.taskId);
          await remove(message);
        }
      }
    }
  } finally {
    // What stays in the queue becomes visible again at once, for the next run or another consumer.
    await Promise.allSettled(
      leave.map((message) =>
        sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 })),
      ),
    );
  }
  return report;
}
