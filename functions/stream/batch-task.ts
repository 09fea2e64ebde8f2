// Each topic-partition slice of an invocation is a task in the registry: ID from topic, partition and first
// offset; RUNNING while the operator works on it; SUCCEEDED with counts, or RETRYING when a record asked for a
// retry (the redelivery from that offset starts a task of its own, named after that offset).
import { encodePayload } from '../core/payload.js';
import type { TaskRegistry } from '../core/registry.js';
import { lambdaUsage } from '../core/usage.js';
import { batchTaskId } from './record-key.js';

export interface BatchCounts {
  in: number;
  out: number;
  failed: number;
  skipped: number;
  retry: number;
}

export interface BatchTask {
  readonly taskId: string;
  finish(counts: BatchCounts, error?: { type: string; message: string }): Promise<void>;
}

export async function startBatchTask(registry: TaskRegistry, fn: string, slice: { topic: string; partition: number; firstOffset: number; lastOffset: number }, executionRef: string): Promise<BatchTask> {
  const taskId = batchTaskId(slice.topic, slice.partition, slice.firstOffset);
  // The payload names the slice by its first record only: a redelivery of the same offset is the same task.
  const payload = { source: 'kafka', topic: slice.topic, partition: slice.partition, firstOffset: slice.firstOffset };
  const encoded = encodePayload(payload);
  const { task } = await registry.create({ taskId, function: fn, payload, payloadHash: encoded.sha256, payloadSizeBytes: encoded.sizeBytes, maxAttempts: 1 });
  let running = false;
  const detail = `offsets ${slice.firstOffset}..${slice.lastOffset}`;
  // Recorded at start too, so that a batch task the sweeper resolves still says what ran it.
  const usage = lambdaUsage();
  const usageInput = usage ? { usage } : {};
  if (task.status === 'QUEUED' || task.status === 'RETRYING') {
    await registry.start(taskId, { executionRef, from: ['QUEUED', 'RETRYING'], detail, ...usageInput });
    running = true;
  } else if (task.status === 'RUNNING') {
    // A redelivery after a crash: this invocation takes the task over from the attempt that held it.
    await registry.start(taskId, { executionRef, retryOf: task.executionRef ?? '', detail: `${detail} redelivered`, ...usageInput });
    running = true;
  }
  return {
    taskId,
    finish: async (counts, error) => {
      if (!running) return; // already finished by an earlier delivery: its counts stand
      const result = { recordsIn: counts.in, recordsOut: counts.out, recordsFailed: counts.failed, duplicatesSkipped: counts.skipped, lastOffset: slice.lastOffset };
      if (counts.retry > 0) {
        // The counts so far stay on the record; RETRYING itself carries only the error.
        await registry.annotate(taskId, executionRef, { result });
        await registry.retrying(taskId, { executionRef, error: error ?? { type: 'Retry', message: 'a record asked for a retry' } });
      } else {
        await registry.succeed(taskId, { executionRef, result, ...usageInput });
      }
    },
  };
}

