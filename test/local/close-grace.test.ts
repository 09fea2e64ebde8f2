// Closing the platform while work runs: the local Lambda service lets a running attempt end and record its
// outcome (its success record reaches the queue), starts nothing new, and keeps what it abandons for the
// next start; dynalite's close waits for the answer of a request whose client has already gone.
import { request } from 'node:http';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackPendingAnswers } from '../../local/http/pending-answers.js';
import { MemoryEventStore } from '../../local/lambda/event-store.js';
import { LocalLambdaService } from '../../local/lambda/lambda-service.js';
import { startSqs, type EmbeddedSqs } from '../support/embedded-servers.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

let sqs: EmbeddedSqs;
beforeAll(async () => {
  sqs = await startSqs();
});
afterAll(async () => {
  await sqs?.close();
});

describe('LocalLambdaService.close(grace)', () => {
  it('lets a running attempt end and send its success record; a queued event stays stored, not run', async () => {
    const { QueueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: 'close-grace-success' }));
    let release!: () => void;
    const started: string[] = [];
    const store = new MemoryEventStore();
    const service = new LocalLambdaService({
      sqs: sqs.client,
      store,
      functions: [
        {
          name: 'fn',
          reservedConcurrency: 1,
          successQueueUrl: QueueUrl as string,
          handler: async (event) => {
            started.push((event as { n: string }).n);
            await new Promise<void>((resolve) => (release = resolve));
            return { done: (event as { n: string }).n };
          },
        },
      ],
    });
    service.start();
    service.invokeAsync('fn', { n: 'first' });
    service.invokeAsync('fn', { n: 'second' });
    await expect.poll(() => started, { timeout: 10_000 }).toEqual(['first']);
    const closing = service.close(10_000);
    release();
    await closing;
    const { Messages = [] } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
    expect(Messages.map((m) => (JSON.parse(m.Body as string) as { responsePayload: unknown }).responsePayload)).toEqual([{ done: 'first' }]);
    expect(started).toEqual(['first']);
    expect(store.loadAll().map((e) => e.payload)).toEqual([{ n: 'second' }]);
  });
});

describe('trackPendingAnswers', () => {
  let server: Server;
  let finishWork!: () => void;
  const work: string[] = [];
  beforeAll(async () => {
    server = createServer();
    const answers = trackPendingAnswers(server);
    server.on('request', (_req, res) => {
      // Goes on after the client has gone, as dynalite does.
      new Promise<void>((resolve) => (finishWork = resolve)).then(() => {
        work.push('done');
        res.end('late');
      }, () => undefined);
    });
    Object.assign(server, { answers });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('waits for the answer of a request whose client has gone, and not past its bound', async () => {
    const answers = (server as Server & { answers: ReturnType<typeof trackPendingAnswers> }).answers;
    const req = request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, method: 'POST', path: '/' });
    req.on('error', () => undefined);
    req.end('{}');
    await expect.poll(() => typeof finishWork, { timeout: 5_000 }).toBe('function');
    req.destroy();
    let settled = false;
    const waiting = answers.settled(30_000).then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    finishWork();
    await waiting;
    expect(work).toEqual(['done']);
    // Nothing pending: settles at once.
    await answers.settled(30_000);
  });
});
