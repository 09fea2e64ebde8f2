// The Kafka step of `npm start`'s tour: a few hundred slow-query events (one of them not JSON) produced with
// `stask produce` to the topic of the sample stack's stream lane; the mapping feeds them to enrich-slow-queries,
// whose outputs land in the SQS FIFO sink and whose poison record lands in the dead-letter queue; then
// `stask streams` shows the lag and the batches.
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { STACK_OUTPUTS } from '../functions/core/facts.js';
import type { DevPlatform } from './dev-platform.js';
import { requireOutput } from './platform.js';

export interface TourIo {
  readonly say: (line?: string) => void;
  readonly heading: (title: string) => void;
  readonly stask: (...args: string[]) => Promise<number>;
}

const EVENTS_FILE = 'examples/slow-queries.jsonl';
const TOPIC = 'slow-queries';

/** Runs the step; returns the operator's function name (what `stask ls --function` takes), if the lane is there. */
export async function kafkaTourStep(dev: DevPlatform, io: TourIo): Promise<string | undefined> {
  const mapping = dev.platform.kafka?.mappings.find((m) => m.config.topic === TOPIC);
  if (!mapping) {
    io.say(`  (the stack has no Kafka lane: synthesize it with -c kafkaLane=true to see this step)`);
    return undefined;
  }
  const sqs = dev.platform.servers.sqs.client;
  const sinkUrl = requireOutput(dev.platform.outputs, STACK_OUTPUTS.kafkaSinkQueueUrl);
  const dlqUrl = requireOutput(dev.platform.outputs, STACK_OUTPUTS.failureQueueUrl);

  io.heading('8. Kafka ETL: 300 slow-query events (line 151 is not JSON) into the slow-queries topic');
  await io.stask('produce', TOPIC, '--file', EVENTS_FILE);
  // The mapping polls, batches and commits on its own: wait (bounded) until it has caught up.
  let lag: Record<string, number> = {};
  for (let i = 0; i < 600; i++) {
    await mapping.idle();
    lag = await mapping.lag();
    if (Object.values(lag).every((n) => n === 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  io.heading('9. The sink (SQS FIFO, deduplication ID topic-partition-offset): the enriched events');
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: sinkUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  io.say(`  ${attributes.Attributes?.ApproximateNumberOfMessages ?? '?'} messages in the sink; the first:`);
  // Hidden for a second only: the sink's messages stay for whoever reads it downstream.
  const sink = await sqs.send(new ReceiveMessageCommand({ QueueUrl: sinkUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 1 }));
  const first = sink.Messages?.[0]?.Body;
  io.say(first ? indent(JSON.stringify(JSON.parse(first), null, 2)) : '  (none yet)');

  io.heading('10. The poison record in the dead-letter queue: the Kafka record (base64) and the reason');
  const poison = (await findStreamDeadLetter(dev, dlqUrl)) as { requestPayload?: { value?: string }; responsePayload?: { stackTrace?: unknown } } | undefined;
  if (poison) {
    const { stackTrace, ...response } = poison.responsePayload ?? {};
    const shown = { ...poison, responsePayload: { ...response, ...(stackTrace ? { stackTrace: '(…)' } : {}) } };
    io.say(indent(JSON.stringify(shown, null, 2)));
    io.say(`  the value, decoded: ${Buffer.from(poison.requestPayload?.value ?? '', 'base64').toString()}`);
  } else {
    io.say('  (none found)');
  }

  io.heading('11. stask streams: lag per partition, the last batch, failed records');
  await io.stask('streams');
  return mapping.config.functionName;
}

/** The newest DLQ record of the stream lane (a record with a recordKey); every record stays in the queue. */
async function findStreamDeadLetter(dev: DevPlatform, dlqUrl: string): Promise<unknown> {
  const seen = new Map<string, { recordKey?: string; timestamp?: string }>();
  // A few receives, each message hidden for a few seconds, so that the next receive sees others.
  for (let round = 0; round < 5; round++) {
    const out = await dev.platform.servers.sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 5, WaitTimeSeconds: 1 }),
    );
    if (!out.Messages?.length) break;
    for (const m of out.Messages) seen.set(m.MessageId ?? String(seen.size), JSON.parse(m.Body ?? '{}') as { recordKey?: string; timestamp?: string });
  }
  const records = [...seen.values()].filter((r) => typeof r.recordKey === 'string' && r.recordKey.startsWith(`${TOPIC}-`));
  return records.sort((a, b) => String(b.timestamp).localeCompare(String(a.timestamp)))[0];
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}
