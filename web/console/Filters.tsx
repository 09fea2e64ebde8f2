// The list's filters: a real <form> (Enter applies), its values in the page's query string.
import { useState } from 'preact/hooks';

export interface FilterValues {
  readonly status: string;
  readonly function: string;
  readonly prefix: string;
  readonly since: string;
  readonly until: string;
}

export const FILTER_NAMES = ['status', 'function', 'prefix', 'since', 'until'] as const;

export function Filters(props: { values: FilterValues; statuses: readonly string[]; functions: readonly string[]; onApply: (v: FilterValues) => void }) {
  const [v, setV] = useState<FilterValues>(props.values);
  const set = (name: keyof FilterValues) => (e: Event) => setV({ ...v, [name]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        props.onApply(v);
      }}
    >
      <label>
        Status
        <select name="status" value={v.status} onChange={set('status')}>
          <option value="">any</option>
          {props.statuses.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Function
        <select name="function" value={v.function} onChange={set('function')}>
          <option value="">any</option>
          {props.functions.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </label>
      <label>
        ID prefix
        <input name="prefix" value={v.prefix} onInput={set('prefix')} autoComplete="off" spellcheck={false} />
      </label>
      <label>
        Since
        <input name="since" value={v.since} onInput={set('since')} placeholder="1h, 2d or ISO time" autoComplete="off" />
      </label>
      <label>
        Until
        <input name="until" value={v.until} onInput={set('until')} placeholder="ISO time or 15m" autoComplete="off" />
      </label>
      <div class="filter-buttons">
        <button type="submit">Apply</button>
        <button
          type="button"
          onClick={() => {
            const empty = { status: '', function: '', prefix: '', since: '', until: '' };
            setV(empty);
            props.onApply(empty);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
