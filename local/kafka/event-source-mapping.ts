// Lambda's event source mapping for Kafka, emulated on the real broker: one consumer group per mapping,
// batches by size and window, one batch at a time (partition order kept), the MSK event, a synchronous
// invoke, offsets committed only once a batch is done (succeeded or discarded), batchItemFailures (resume from
// the lowest failed offset of each partition), retries, bisect on error, maximum record age, and the on-failure
// record for discarded records. A kill -9 resumes from the committed offsets: at-least-once, as on AWS.
import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import type { ErrorLike } from '../../functions/core/destination-record.js';
import { groupLag } from './lag.js';
import { buildMskEvent, buildOnFailureRecord, parseItemFailures, topicPartition, type OnFailureCondition, type PolledRecord } from './msk-event.js';

export type InvokeOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: ErrorLike };

export interface MappingConfig {
  /** The mapping's identifier (its logical ID locally). */
  readonly id: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly eventSourceArn: string;
  readonly topic: string;
  /** @default the mapping's id, as Lambda uses the mapping's UUID */
  readonly consumerGroupId?: string;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** @default 100 */
  readonly batchSize?: number;
  /** MaximumBatchingWindowInSeconds, in ms. @default 500 (Lambda's default for Kafka) */
  readonly batchingWindowMs?: number;
  /** -1: until the record expires (Lambda's default). @default -1 */
  readonly maximumRetryAttempts?: number;
  /** -1: never. @default -1 */
  readonly maximumRecordAgeSeconds?: number;
  readonly bisectBatchOnFunctionError?: boolean;
  readonly reportBatchItemFailures?: boolean;
  /** First delay between retries of a failing batch, doubled each retry up to 10 s. @default 200 */
  readonly retryDelayMs?: number;
}

export interface MappingDeps {
  readonly bootstrap: string;
  readonly invoke: (payload: unknown) => Promise<InvokeOutcome>;
  /** Where the on-failure record goes (an SQS queue locally); absent: discarded records are only counted. */
  readonly onFailure?: (record: Record<string, unknown>) => Promise<void>;
  readonly log?: (line: string) => void;
}

export interface MappingStats {
  batches: number;
  recordsIn: number;
  recordsDiscarded: number;
  invocations: number;
  lastBatch?: { at: string; size: number; firstOffset: string; topicPartitions: string[]; outcome: 'ok' | 'partial' | 'error' | 'discarded' };
}

const toPolled = (m: Message<Buffer, Buffer, Buffer, Buffer>): PolledRecord => ({
  topic: m.topic,
  partition: m.partition,
  offset: m.offset,
  timestamp: m.timestamp,
  key: m.key && m.key.length > 0 ? m.key : null,
  value: m.value ?? null,
  headers: m.headerEntries,
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const TIMEOUT: unique symbol = Symbol('timeout');

export class KafkaEventSourceMapping {
  readonly stats: MappingStats = { batches: 0, recordsIn: 0, recordsDiscarded: 0, invocations: 0 };
  private consumer?: Consumer<Buffer, Buffer, Buffer, Buffer>;
  private stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  private loop?: Promise<void>;
  private stopping = false;
  private pending?: Promise<IteratorResult<Message<Buffer, Buffer, Buffer, Buffer>>>;
  private iterator?: AsyncIterator<Message<Buffer, Buffer, Buffer, Buffer>>;
  private idleWaiters: (() => void)[] = [];
  private busy = false;

  constructor(readonly config: MappingConfig, private readonly deps: MappingDeps) {}

  get groupId(): string {
    return this.config.consumerGroupId ?? this.config.id;
  }

  async start(): Promise<void> {
    this.consumer = new Consumer({
      clientId: `stask-esm-${this.config.id}`,
      groupId: this.groupId,
      bootstrapBrokers: [this.deps.bootstrap],
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10_000,
    });
    this.stream = await this.consumer.consume({
      topics: [this.config.topic],
      mode: 'committed',
      fallbackMode: this.config.startingPosition === 'LATEST' ? 'latest' : 'earliest',
      autocommit: false,
      maxWaitTime: 100,
      highWaterMark: Math.max(1024, this.batchSize * 2),
    });
    this.iterator = this.stream[Symbol.asyncIterator]();
    this.loop = this.run().catch((error: unknown) => {
      if (!this.stopping) this.deps.log?.(`kafka mapping ${this.config.id} stopped: ${String(error)}`);
    });
  }

  /** Resolves once no batch is in flight and nothing is buffered (for tests and the tour). */
  async idle(): Promise<void> {
    if (!this.busy) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Records not yet committed, per `topic-partition`. */
  async lag(): Promise<Record<string, number>> {
    if (!this.consumer) throw new Error(`kafka mapping ${this.config.id} is not started`);
    return groupLag(this.consumer, this.config.topic);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.stream?.close().catch(() => undefined);
    await this.loop;
    await this.consumer?.close(true).catch(() => undefined);
  }

  private get batchSize(): number {
    return this.config.batchSize ?? 100;
  }

  private async next(ms: number): Promise<PolledRecord | typeof TIMEOUT | undefined> {
    if (!this.iterator) return undefined;
    this.pending ??= this.iterator.next();
    const result = await Promise.race([this.pending, sleep(ms).then((): typeof TIMEOUT => TIMEOUT)]);
    if (result === TIMEOUT) return TIMEOUT;
    this.pending = undefined;
    return result.done ? undefined : toPolled(result.value);
  }

  private async run(): Promise<void> {
    const window = this.config.batchingWindowMs ?? 500;
    while (!this.stopping) {
      const first = await this.next(250);
      if (first === undefined) return;
      if (first === TIMEOUT) { this.setIdle(); continue; }
      this.busy = true;
      const batch = [first];
      const deadline = Date.now() + window;
      while (batch.length < this.batchSize) {
        const r = await this.next(Math.max(0, deadline - Date.now()));
        if (r === undefined || r === TIMEOUT) break;
        batch.push(r);
      }
      this.stats.batches++;
      this.stats.recordsIn += batch.length;
      await this.process(batch, 0);
      await this.commit(batch);
    }
  }

  private setIdle(): void {
    this.busy = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Runs a batch to its end: done when every record succeeded or was discarded with an on-failure record. */
  private async process(batch: readonly PolledRecord[], retriesSoFar: number): Promise<void> {
    let records = await this.dropExpired(batch, retriesSoFar);
    let retries = retriesSoFar;
    while (records.length > 0 && !this.stopping) {
      const event = buildMskEvent(records, this.config.eventSourceArn, this.deps.bootstrap);
      this.stats.invocations++;
      const outcome = await this.deps.invoke(event);
      const at = new Date().toISOString();
      const first = records[0] as PolledRecord;
      const lastBatch = { at, size: records.length, firstOffset: String(first.offset), topicPartitions: [...new Set(records.map(topicPartition))] };
      let failedFrom: Map<string, bigint> | undefined;
      if (outcome.ok) {
        try {
          const failures = this.config.reportBatchItemFailures ? parseItemFailures(outcome.result, [this.config.topic]) : undefined;
          if (!failures) { this.stats.lastBatch = { ...lastBatch, outcome: 'ok' }; return; }
          failedFrom = new Map();
          for (const f of failures) {
            const seen = failedFrom.get(f.topicPartition);
            if (seen === undefined || f.offset < seen) failedFrom.set(f.topicPartition, f.offset);
          }
          this.stats.lastBatch = { ...lastBatch, outcome: 'partial' };
        } catch (error) {
          this.deps.log?.(`kafka mapping ${this.config.id}: ${String(error)}; the whole batch failed`);
          this.stats.lastBatch = { ...lastBatch, outcome: 'error' };
        }
      } else {
        this.stats.lastBatch = { ...lastBatch, outcome: 'error' };
        if (this.config.bisectBatchOnFunctionError && records.length > 1) {
          // Bisect: each half on its own, in order; splitting does not use the retry quota.
          const half = Math.ceil(records.length / 2);
          await this.process(records.slice(0, half), retries);
          await this.process(records.slice(half), retries);
          return;
        }
      }
      // Retry from the lowest failed offset of each reported partition (the whole batch on an error).
      const retry = failedFrom
        ? records.filter((r) => { const from = failedFrom.get(topicPartition(r)); return from !== undefined && r.offset >= from; })
        : records;
      if (retry.length === 0) return;
      retries++;
      const max = this.config.maximumRetryAttempts ?? -1;
      if (max >= 0 && retries > max) {
        await this.discard(retry, 'RetryAttemptsExhausted', retries);
        return;
      }
      // Exponential backoff between retries, as Lambda's pollers do, at most 10 s.
      await sleep(Math.min((this.config.retryDelayMs ?? 200) * 2 ** (retries - 1), 10_000));
      records = await this.dropExpired(retry, retries);
    }
  }

  private async dropExpired(records: readonly PolledRecord[], invokeCount: number): Promise<PolledRecord[]> {
    const maxAge = this.config.maximumRecordAgeSeconds ?? -1;
    if (maxAge < 0) return [...records];
    const oldest = BigInt(Date.now() - maxAge * 1000);
    const expired = records.filter((r) => r.timestamp < oldest);
    if (expired.length > 0) await this.discard(expired, 'RecordAgeExceeded', invokeCount);
    return records.filter((r) => r.timestamp >= oldest);
  }

  private async discard(records: readonly PolledRecord[], condition: OnFailureCondition, invokeCount: number): Promise<void> {
    this.stats.recordsDiscarded += records.length;
    const lastBatch = this.stats.lastBatch;
    if (lastBatch) lastBatch.outcome = 'discarded';
    this.deps.log?.(`kafka mapping ${this.config.id}: ${records.length} record(s) discarded (${condition})`);
    if (!this.deps.onFailure) return;
    await this.deps.onFailure(buildOnFailureRecord({
      functionArn: this.config.functionArn,
      condition,
      approximateInvokeCount: invokeCount,
      eventSourceArn: this.config.eventSourceArn,
      bootstrapServers: this.deps.bootstrap,
      records,
    }));
  }

  private async commit(batch: readonly PolledRecord[]): Promise<void> {
    if (this.stopping || !this.consumer) return;
    const last = new Map<string, PolledRecord>();
    for (const r of batch) last.set(topicPartition(r), r);
    await this.consumer.commit({
      offsets: [...last.values()].map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset + 1n, leaderEpoch: -1 })),
    });
  }
}
