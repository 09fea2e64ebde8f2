// Live updates by short polling: `load` runs now and every `intervalMs` while the page is visible.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  readonly data?: T;
  readonly error?: string;
  /** Loads again now (after an action). */
  readonly reload: () => void;
}

export function usePoll<T>(load: () => Promise<T>, deps: readonly unknown[], intervalMs = 2000, active = true): Polled<T> {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(() => {
    loadRef.current().then(
      (data) => setState({ data }),
      (error: unknown) => setState((s) => ({ ...s, error: (error as Error).message })),
    );
  }, []);
  useEffect(() => {
    setState({});
    run();
    if (!active) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') run();
    }, intervalMs);
    return () => clearInterval(timer);
  }, [...deps, active, intervalMs]);
  return { ...state, reload: run };
}
