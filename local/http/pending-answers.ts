// Requests a server has not answered yet, counted until their handler writes the answer, even when the
// client has already gone. dynalite goes on with an aborted request's work: closing its database under
// that work throws out of the process ("Database is not open"), so its close waits for them first.
import type { Server } from 'node:http';

export interface PendingAnswers {
  /** Resolves when every request received so far has been answered, or after `maxMs`. */
  settled(maxMs: number): Promise<void>;
}

export function trackPendingAnswers(server: Server): PendingAnswers {
  let pending = 0;
  let waiters: (() => void)[] = [];
  server.prependListener('request', (req, res) => {
    pending++;
    let answered = false;
    const done = (): void => {
      if (answered) return;
      answered = true;
      if (--pending === 0) waiters.splice(0).forEach((resolve) => resolve());
    };
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      done();
      return end(...args);
    }) as typeof res.end;
    // A request cut off before its body was complete never reaches the database.
    res.on('close', () => {
      if (!req.complete) done();
    });
  });
  return {
    settled: async (maxMs) => {
      if (pending === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== resolve);
          resolve();
        }, maxMs);
      });
      clearTimeout(timer);
    },
  };
}
