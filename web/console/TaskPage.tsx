// One task: status, live progress, actions, its events as a timeline, payload, result or error, logs following.
import { api } from './api.js';
import { JsonBlock } from './JsonBlock.js';
import { LogView } from './LogView.js';
import { ProgressBar } from './ProgressBar.js';
import { Link } from './router.js';
import { StatusBadge, Time } from './StatusBadge.js';
import { TaskActions } from './TaskActions.js';
import { Timeline } from './Timeline.js';
import { TERMINAL, type TaskPageAnswer } from './types.js';
import { usePoll } from './use-poll.js';

export function TaskPage({ taskId }: { taskId: string }) {
  const polled = usePoll(() => api<TaskPageAnswer>(`/tasks/${encodeURIComponent(taskId)}`), [taskId], 1000);
  const answer = polled.data;
  if (!answer) {
    return (
      <main>
        <p>
          <Link href="/">← Tasks</Link>
        </p>
        {polled.error ? <p class="error" role="alert">{polled.error}</p> : <p>Loading task {taskId}…</p>}
      </main>
    );
  }
  const { task, links } = answer;
  const done = TERMINAL.includes(task.status);
  return (
    <main class="task-page">
      <p>
        <Link href="/">← Tasks</Link>
      </p>
      <h1>
        <span class="mono">{task.taskId}</span> <StatusBadge status={task.status} />
      </h1>
      <dl class="facts">
        <dt>Function</dt>
        <dd>{task.function}</dd>
        <dt>Attempts</dt>
        <dd>
          {task.attempts} of {task.maxAttempts}
        </dd>
        <dt>Created</dt>
        <dd>
          <Time at={task.createdAt} />
        </dd>
        <dt>Ended</dt>
        <dd>
          <Time at={task.endedAt} />
        </dd>
      </dl>
      {links?.execution || links?.logGroup ? (
        <p class="aws-links">
          {links.execution ? (
            <a href={links.execution} target="_blank" rel="noopener noreferrer">
              Step Functions execution ↗
            </a>
          ) : null}
          {links.logGroup ? (
            <a href={links.logGroup} target="_blank" rel="noopener noreferrer">
              Log group ↗
            </a>
          ) : null}
        </p>
      ) : null}
      {task.progress || !done ? <ProgressBar progress={task.progress} label={`Progress of ${task.taskId}`} /> : null}
      <TaskActions task={task} onDone={polled.reload} />
      {polled.error ? <p class="error" role="alert">{polled.error}</p> : null}
      <div class="columns">
        <section aria-labelledby="events-title">
          <h3 id="events-title">Events</h3>
          <Timeline events={task.events} />
        </section>
        <div>
          <JsonBlock label="Payload" value={task.payload ?? task.payloadRef} />
          {task.error ? <JsonBlock label="Error" value={task.error} /> : null}
          {done && !task.error ? <JsonBlock label="Result" value={task.result ?? task.resultRef} /> : null}
        </div>
      </div>
      <LogView taskId={task.taskId} attempts={task.attempts} />
    </main>
  );
}
