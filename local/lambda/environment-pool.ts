// The warm execution environments of one local Lambda function: an invocation takes an idle environment
// (or creates one), a dead one is dropped and replaced, a warm one idle for `idleSeconds` is shut down,
// and `close()` ends them all. Node workers and Python runtimes share it; what an environment is stays theirs.
import type { Context } from 'aws-lambda';
import type { Handler } from './lambda-service.js';

/** One execution environment, serving one invocation at a time. */
export interface PooledEnvironment {
  /** Settles when init ends (rejects with the init error). */
  readonly ready: Promise<void>;
  /** True once the environment can serve no further invocation. */
  readonly dead: boolean;
  invoke(event: unknown, context: Context): Promise<unknown>;
  kill(): void;
}

/** The function's handler on the local Lambda service: warm environments reused, a dead one replaced. */
export function environmentPool(create: () => PooledEnvironment, idleSeconds: number): Handler & { close(): void } {
  const idle: PooledEnvironment[] = [];
  const idleTimers = new Map<PooledEnvironment, NodeJS.Timeout>();
  const all = new Set<PooledEnvironment>();
  const handler = async (event: unknown, context: Context): Promise<unknown> => {
    let env = idle.pop();
    if (env) {
      clearTimeout(idleTimers.get(env));
      idleTimers.delete(env);
    }
    if (!env || env.dead) {
      env = create();
      all.add(env);
    }
    try {
      await env.ready;
      return await env.invoke(event, context);
    } finally {
      if (env.dead) {
        all.delete(env);
      } else {
        const warm = env;
        const timer = setTimeout(() => {
          idle.splice(idle.indexOf(warm), 1);
          idleTimers.delete(warm);
          all.delete(warm);
          warm.kill();
        }, idleSeconds * 1000);
        timer.unref();
        idleTimers.set(warm, timer);
        idle.push(warm);
      }
    }
  };
  return Object.assign(handler, {
    close: () => {
      for (const env of all) env.kill();
      for (const timer of idleTimers.values()) clearTimeout(timer);
      idleTimers.clear();
      all.clear();
      idle.length = 0;
    },
  });
}
