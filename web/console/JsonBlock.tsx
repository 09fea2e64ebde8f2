/** A JSON value, pretty-printed in a scrollable block. */
export function JsonBlock({ label, value }: { label: string; value: unknown }) {
  return (
    <section class="json">
      <h3>{label}</h3>
      <pre tabIndex={0} aria-label={label}>
        {value === undefined ? '—' : JSON.stringify(value, null, 2)}
      </pre>
    </section>
  );
}
