import { readFile } from 'node:fs/promises';
import { Admin, Producer } from '@platformatic/kafka';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { streamsTarget } from '../streams-target.js';

export interface ProduceOptions {
  readonly value?: string;
  readonly file?: string;
  readonly key?: string;
}

/** Kafka's default message.max.bytes (the broker's and MSK's limit for one record). */
export const MAX_RECORD_BYTES = 1_048_588;

/** The records of `produce`: one `--value`, or one per non-empty line of a JSONL file. */
export async function recordsOf(options: ProduceOptions): Promise<{ key?: string; value: string }[]> {
  if ((options.value === undefined) === (options.file === undefined)) throw new UsageError('produce needs exactly one of --value V or --file F.jsonl');
  const values = options.value !== undefined ? [options.value] : (await readFile(options.file as string, 'utf8').catch((e: Error) => {
    throw new UsageError(`cannot read ${options.file}: ${e.message}`);
  })).split('\n').filter((l) => l.trim() !== '');
  if (values.length === 0) throw new UsageError(`${options.file} has no records (no non-empty line)`);
  values.forEach((v, i) => {
    const size = Buffer.byteLength(v);
    if (size > MAX_RECORD_BYTES) throw new UsageError(`record ${i + 1} is ${size} bytes; the broker accepts at most ${MAX_RECORD_BYTES}. Nothing was sent.`);
  });
  return values.map((value) => ({ value, ...(options.key !== undefined ? { key: options.key } : {}) }));
}

/** `stask produce TOPIC (--value V | --file F.jsonl) [--key K]` */
export async function produce(ctx: CommandContext, topic: string, options: ProduceOptions): Promise<void> {
  const records = await recordsOf(options);
  const { bootstrap } = await streamsTarget(ctx.options);
  const admin = new Admin({ clientId: 'stask-cli', bootstrapBrokers: [bootstrap] });
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new UsageError(`topic '${topic}' does not exist on the embedded broker (${bootstrap}); nothing was sent`);
  } finally {
    await admin.close();
  }
  const producer = new Producer({ clientId: 'stask-cli', bootstrapBrokers: [bootstrap], acks: -1 });
  try {
    for (let i = 0; i < records.length; i += 500) {
      await producer.send({
        messages: records.slice(i, i + 500).map((r) => ({ topic, value: Buffer.from(r.value), ...(r.key !== undefined ? { key: Buffer.from(r.key) } : {}) })),
      });
    }
  } finally {
    await producer.close();
  }
  if (ctx.options.json) return ctx.printJson({ topic, records: records.length });
  ctx.print(`produced ${records.length} record(s) to ${topic}\n`);
}
