// The Kafka event source mappings: topic, group, lag per partition, last batch and failed records.
import { api } from './api.js';
import { Link } from './router.js';
import { StatusBadge, Time } from './StatusBadge.js';
import type { StreamRow } from './types.js';
import { usePoll } from './use-poll.js';

export function StreamsPage() {
  const polled = usePoll(() => api<{ streams: readonly StreamRow[]; unavailable?: string }>('/streams'), [], 5000);
  const data = polled.data;
  return (
    <main>
      <h1>Streams</h1>
      {polled.error ? <p class="error" role="alert">{polled.error}</p> : null}
      {!data ? <p>Loading…</p> : null}
      {data?.unavailable ? <p class="empty">{data.unavailable}</p> : null}
      {data?.streams.map((s) => {
        const total = Object.values(s.lag).reduce((a, b) => a + b, 0);
        return (
          <section class="stream" key={s.mapping} aria-labelledby={`stream-${s.mapping}`}>
            <h2 id={`stream-${s.mapping}`}>{s.function}</h2>
            <p class="muted">
              topic <span class="mono">{s.topic}</span>, group <span class="mono">{s.group}</span>; lag {total}
            </p>
            <table class="lag">
              <thead>
                <tr>
                  <th scope="col">Partition</th>
                  <th scope="col">Lag</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(s.lag).map(([tp, n]) => (
                  <tr key={tp}>
                    <td class="mono">{tp}</td>
                    <td>{n}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p>
              Last batch:{' '}
              {s.lastBatch ? (
                <>
                  <Link href={`/tasks/${encodeURIComponent(s.lastBatch.taskId)}`} class="mono">
                    {s.lastBatch.taskId}
                  </Link>{' '}
                  <StatusBadge status={s.lastBatch.status} /> <Time at={s.lastBatch.at} />
                </>
              ) : (
                'none yet'
              )}
              ; failed records in the last {s.batches} batch(es): {s.failedRecords}
            </p>
          </section>
        );
      })}
    </main>
  );
}
