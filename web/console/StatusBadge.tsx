export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}

/** A time for people: local date and time to the second, the ISO time on hover. */
export function Time({ at }: { at: string | undefined }) {
  if (!at) return <span>—</span>;
  const d = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {Number.isNaN(d.getTime()) ? at : d.toLocaleString()}
    </time>
  );
}
