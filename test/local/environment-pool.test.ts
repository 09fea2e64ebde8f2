import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { environmentPool, type PooledEnvironment } from '../../local/lambda/environment-pool.js';

/** An in-memory environment: counts its invocations, dies when the event asks it to. */
class CountingEnvironment implements PooledEnvironment {
  readonly ready = Promise.resolve();
  dead = false;
  killed = 0;
  invocations = 0;
  constructor(readonly id: number) {}
  invoke(event: unknown): Promise<unknown> {
    this.invocations += 1;
    if ((event as { die?: boolean }).die) this.dead = true;
    return Promise.resolve({ env: this.id, invocations: this.invocations });
  }
  kill(): void {
    this.dead = true;
    this.killed += 1;
  }
}

const context = {} as Context;

function pool(idleSeconds: number) {
  const created: CountingEnvironment[] = [];
  const handler = environmentPool(() => {
    const env = new CountingEnvironment(created.length);
    created.push(env);
    return env;
  }, idleSeconds);
  return { handler, created };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('environmentPool', () => {
  it('reuses a warm environment, and creates one per concurrent invocation', async () => {
    const { handler, created } = pool(300);
    expect(await handler({}, context)).toEqual({ env: 0, invocations: 1 });
    expect(await handler({}, context)).toEqual({ env: 0, invocations: 2 });
    await Promise.all([handler({}, context), handler({}, context)]);
    expect(created).toHaveLength(2);
    handler.close();
  });

  it('replaces an environment that died in an invocation', async () => {
    const { handler, created } = pool(300);
    await handler({ die: true }, context);
    expect(await handler({}, context)).toEqual({ env: 1, invocations: 1 });
    expect(created).toHaveLength(2);
    handler.close();
  });

  it('ends an environment left idle for idleSeconds, and the next invocation starts a fresh one', async () => {
    const { handler, created } = pool(0.05);
    await handler({}, context);
    await until(() => created[0]?.killed === 1);
    expect(await handler({}, context)).toEqual({ env: 1, invocations: 1 });
    handler.close();
  });

  it('close() kills every environment it started', async () => {
    const { handler, created } = pool(300);
    await Promise.all([handler({}, context), handler({}, context)]);
    handler.close();
    expect(created.map((e) => e.killed)).toEqual([1, 1]);
  });

  it('passes an init failure on and does not keep that environment', async () => {
    const created: PooledEnvironment[] = [];
    const handler = environmentPool(() => {
      const failed = { ready: Promise.reject(new Error('init failed')), dead: true, invoke: () => Promise.resolve(null), kill: () => undefined };
      created.push(failed);
      return failed;
    }, 300);
    await expect(handler({}, context)).rejects.toThrow('init failed');
    await expect(handler({}, context)).rejects.toThrow('init failed');
    expect(created).toHaveLength(2);
    handler.close();
  });
});
