import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createRequestHandler } from 'local-aws-sqs';
import { awsJsonErrors, guarded, readBody } from '../http/guard.js';

/** SendMessageBatch carries at most 10 messages of 1 MiB in total: 2 MiB leaves room for the envelope. */
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

/**
 * local-aws-sqs keeps messages in memory only. This wraps its request handler and appends every
 * accepted send and delete to a journal (JSON lines) before the response leaves, so that a restart
 * — even after kill -9 — can put back every message that was sent and not deleted. Journaling reads
 * the JSON protocol that AWS SDK v3 speaks; messages moved to a dead-letter queue by a redrive policy
 * come back in their source queue after a restart (the move is internal to local-aws-sqs).
 */
export interface JournaledSqsOptions {
  readonly journalFile?: string;
  readonly region: string;
  readonly accountId: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
}

type JournalEntry =
  | { op: 'send'; queue: string; id: string; body: string; attributes?: unknown; groupId?: string; dedupId?: string }
  | { op: 'delete'; id: string }
  | { op: 'purge'; queue: string };

export interface JournaledSqs {
  readonly endpoint: string;
  readonly client: SQSClient;
  /** Re-sends the messages the journal holds (after the queues exist again). Returns how many. */
  restore(): Promise<number>;
  close(): Promise<void>;
}

export async function startJournaledSqs(options: JournaledSqsOptions): Promise<JournaledSqs> {
  const { service, requestHandler } = createRequestHandler({
    port: 0,
    hostname: '127.0.0.1',
    region: options.region,
    accountId: options.accountId,
    emulateQueueCreationLifecycle: false,
  });
  // The old journal is kept aside until its messages are back; a crash during restore merges both next
  // time (a message may then be restored twice: at-least-once, as SQS itself delivers).
  const restoring = options.journalFile ? `${options.journalFile}.restoring` : undefined;
  const previous = [
    ...(restoring && existsSync(restoring) ? readJournal(restoring) : []),
    ...(options.journalFile && existsSync(options.journalFile) ? readJournal(options.journalFile) : []),
  ];
  if (options.journalFile && restoring) {
    writeFileSync(restoring, previous.map((e) => `${JSON.stringify(e)}\n`).join(''));
    writeFileSync(options.journalFile, '');
  }
  const handles = new Map<string, string>(); // receipt handle → message ID

  const journal = (entries: JournalEntry[]): void => {
    if (options.journalFile && entries.length) appendFileSync(options.journalFile, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
  };

  const server = createServer(
    guarded(async (req, res) => {
      const body = await readBody(req, MAX_REQUEST_BYTES, 'RequestTooLarge');
      const target = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
      const replay = Object.assign(Readable.from([body]), { headers: req.headers, method: req.method, url: req.url }) as unknown as IncomingMessage;
      interceptEnd(res, (responseBody, status) => {
        if (status >= 300 || !target) return;
        try {
          journal(entriesFor(target, JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>, JSON.parse(responseBody || '{}') as Record<string, unknown>, handles));
        } catch {
          // Not JSON: the Query protocol, which this journal does not read (AWS SDK v3 uses JSON).
        }
      });
      await requestHandler(replay, res);
    }, awsJsonErrors('application/x-amz-json-1.0', 'com.amazonaws.sqs#')),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  service.PORT = port; // queue URLs carry the real port
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new SQSClient({ endpoint, region: options.region, credentials: options.credentials });

  return {
    endpoint,
    client,
    restore: async () => {
      const survivors = survivingSends(previous);
      // Straight into the queues (local-aws-sqs's Queue.setRecord, what its SendMessage action calls), in journal
      // order (what a FIFO queue's groups need), journaled in one write. One SendMessage request per message made
      // boot time grow with the messages left: 12 s for 2,500 undeleted destination records (bench/boot.ts).
      const restored: JournalEntry[] = [];
      for (const m of survivors) {
        const queue = service.Queues.find((q) => q.QueueName === m.queue);
        if (!queue) continue; // the queue is gone from the template: its messages go with it
        const entry = {
          MessageBody: m.body,
          ...(m.attributes ? { MessageAttributes: m.attributes } : {}),
          ...(m.groupId ? { MessageGroupId: m.groupId } : {}),
          ...(m.dedupId ? { MessageDeduplicationId: m.dedupId } : {}),
        };
        const { record } = queue.setRecord(entry) as { record: { MessageId: string } };
        restored.push(sendEntry(m.queue, entry, record.MessageId));
      }
      journal(restored);
      if (restoring) rmSync(restoring, { force: true });
      return survivors.length;
    },
    close: async () => {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function entriesFor(
  action: string,
  request: Record<string, unknown>,
  response: Record<string, unknown>,
  handles: Map<string, string>,
): JournalEntry[] {
  const queue = String(request.QueueUrl ?? '').split('/').pop() ?? '';
  switch (action) {
    case 'SendMessage':
      return [sendEntry(queue, request, String(response.MessageId))];
    case 'SendMessageBatch': {
      const ids = new Map(((response.Successful ?? []) as { Id: string; MessageId: string }[]).map((s) => [s.Id, s.MessageId]));
      return ((request.Entries ?? []) as Record<string, unknown>[])
        .filter((e) => ids.has(String(e.Id)))
        .map((e) => sendEntry(queue, e, ids.get(String(e.Id)) ?? ''));
    }
    case 'ReceiveMessage':
      for (const m of (response.Messages ?? []) as { MessageId: string; ReceiptHandle: string }[]) handles.set(m.ReceiptHandle, m.MessageId);
      return [];
    case 'DeleteMessage':
      return deleteEntry(handles, String(request.ReceiptHandle));
    case 'DeleteMessageBatch': {
      const ok = new Set(((response.Successful ?? []) as { Id: string }[]).map((s) => s.Id));
      return ((request.Entries ?? []) as { Id: string; ReceiptHandle: string }[]).filter((e) => ok.has(e.Id)).flatMap((e) => deleteEntry(handles, e.ReceiptHandle));
    }
    case 'PurgeQueue':
    case 'DeleteQueue':
      return [{ op: 'purge', queue }];
    default:
      return [];
  }
}

function sendEntry(queue: string, r: Record<string, unknown>, id: string): JournalEntry {
  return {
    op: 'send',
    queue,
    id,
    body: String(r.MessageBody),
    ...(r.MessageAttributes ? { attributes: r.MessageAttributes } : {}),
    ...(r.MessageGroupId ? { groupId: String(r.MessageGroupId) } : {}),
    ...(r.MessageDeduplicationId ? { dedupId: String(r.MessageDeduplicationId) } : {}),
  };
}

function deleteEntry(handles: Map<string, string>, handle: string): JournalEntry[] {
  const id = handles.get(handle);
  handles.delete(handle);
  return id ? [{ op: 'delete', id }] : [];
}

function readJournal(file: string): JournalEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as JournalEntry];
      } catch {
        return []; // a line cut short by kill -9 mid-write
      }
    });
}

function survivingSends(entries: JournalEntry[]): Extract<JournalEntry, { op: 'send' }>[] {
  const alive = new Map<string, Extract<JournalEntry, { op: 'send' }>>();
  for (const e of entries) {
    if (e.op === 'send') alive.set(e.id, e);
    else if (e.op === 'delete') alive.delete(e.id);
    else for (const [id, m] of alive) if (m.queue === e.queue) alive.delete(id);
  }
  return [...alive.values()];
}

/** Calls `onBody` with the full response body just before the response is ended. */
function interceptEnd(res: ServerResponse, onBody: (body: string, status: number) => void): void {
  const chunks: Buffer[] = [];
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (chunk) chunks.push(Buffer.from(chunk as string));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as string));
    onBody(Buffer.concat(chunks).toString('utf8'), res.statusCode);
    return (end as (...a: unknown[]) => ServerResponse)(chunk, ...rest);
  }) as typeof res.end;
}
