import { StatusBadge, Time } from './StatusBadge.js';
import type { TaskEvent } from './types.js';

/** The task's events, oldest first, as an ordered list. */
export function Timeline({ events }: { events: readonly TaskEvent[] }) {
  return (
    <ol class="timeline" aria-label="Events">
      {events.map((e, i) => (
        <li key={`${e.at}-${i}`}>
          <Time at={e.at} /> <StatusBadge status={e.status} />
          {e.detail ? <span class="detail"> {e.detail}</span> : null}
        </li>
      ))}
    </ol>
  );
}
