import type { TaskProgress } from './types.js';

/** The task's progress: a native <progress> (read out by screen readers) with its percent and message. */
export function ProgressBar({ progress, label }: { progress: TaskProgress | undefined; label: string }) {
  const percent = Math.max(0, Math.min(100, progress?.percent ?? 0));
  return (
    <div class="progress" data-percent={percent}>
      <progress max={100} value={percent} aria-label={label}>
        {percent}%
      </progress>
      <span class="progress-text">
        {percent.toFixed(percent % 1 === 0 ? 0 : 1)}%{progress?.message ? ` — ${progress.message}` : ''}
      </span>
    </div>
  );
}
