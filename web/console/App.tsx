// The console's frame: a header with the target and the navigation, and the page of the current path.
import { api } from './api.js';
import { DlqPage } from './DlqPage.js';
import { Link, useLocation } from './router.js';
import { StreamsPage } from './StreamsPage.js';
import { TaskList } from './TaskList.js';
import { TaskPage } from './TaskPage.js';
import type { Info } from './types.js';
import { usePoll } from './use-poll.js';

const NAV = [
  { href: '/', label: 'Tasks' },
  { href: '/dlq', label: 'Dead-letter queue' },
  { href: '/streams', label: 'Streams' },
];

export function App({ hasToken }: { hasToken: boolean }) {
  const { path, query } = useLocation();
  const info = usePoll(() => api<Info>('/info'), [], 60_000, false);
  const section = path.startsWith('/tasks/') ? '/' : path;
  let page;
  if (!hasToken) page = <main><p class="error" role="alert">This page needs the URL `stask console` printed (it carries this run's token).</p></main>;
  else if (info.error) page = <main><p class="error" role="alert">{info.error}</p></main>;
  else if (!info.data) page = <main><p>Loading…</p></main>;
  else if (path.startsWith('/tasks/')) page = <TaskPage key={path} taskId={decodeURIComponent(path.slice('/tasks/'.length))} />;
  else if (path === '/dlq') page = <DlqPage />;
  else if (path === '/streams') page = <StreamsPage />;
  else if (path === '/') page = <TaskList info={info.data} query={query} />;
  else page = <main><p>No such page. <Link href="/">Tasks</Link></p></main>;

  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">stask console</span>
        <nav aria-label="Sections">
          {NAV.map((n) => (
            <Link key={n.href} href={n.href} aria-current={section === n.href ? 'page' : undefined}>
              {n.label}
            </Link>
          ))}
        </nav>
        <span class="target muted">{info.data?.target ?? ''}</span>
      </header>
      <div id="content" tabIndex={-1}>
        {page}
      </div>
    </>
  );
}
