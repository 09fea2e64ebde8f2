import { Consumer } from '@platformatic/kafka';

/** Records not yet committed by the group, per `topic-partition` (end offset − committed offset). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any key/value types: only offsets are read
export async function groupLag(consumer: Consumer<any, any, any, any>, topic: string): Promise<Record<string, number>> {
  const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
  const partitions = ends.map((_, i) => i);
  const committed = (await consumer.listCommittedOffsets({ topics: [{ topic, partitions }] })).get(topic) ?? [];
  const lag: Record<string, number> = {};
  partitions.forEach((p) => {
    const end = ends[p] ?? 0n;
    const done = committed[p] ?? -1n;
    lag[`${topic}-${p}`] = Number(end - (done < 0n ? 0n : done));
  });
  return lag;
}

/** The lag of a group without joining it (for `stask streams`). */
export async function lagOf(bootstrap: string, groupId: string, topic: string): Promise<Record<string, number>> {
  const consumer = new Consumer({ clientId: 'stask-lag', groupId, bootstrapBrokers: [bootstrap] });
  try {
    return await groupLag(consumer, topic);
  } finally {
    await consumer.close(true);
  }
}
