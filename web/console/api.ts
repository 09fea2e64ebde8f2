// Calls of the console's API: every one carries this run's token (from the printed URL's fragment).
const TOKEN_KEY = 'stask-console-token';

/** Takes the token out of the URL's fragment (into this tab's session storage) and returns it. */
export function takeToken(): string | null {
  const match = /(?:^#|&)token=([\w-]+)/.exec(location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: { method?: 'GET' | 'POST'; query?: Record<string, string | undefined> } = {}): Promise<T> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined && v !== '') params.set(k, v);
  const qs = params.toString();
  const res = await fetch(`/api${path}${qs ? `?${qs}` : ''}`, {
    method: init.method ?? 'GET',
    headers: { 'X-Stask-Token': sessionStorage.getItem(TOKEN_KEY) ?? '' },
    cache: 'no-store',
  });
  const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!res.ok) throw new ApiError(body.error?.message ?? `HTTP ${res.status}`, res.status);
  return body as T;
}
