import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listQueryOf, ls } from '../../bin/cli/commands/ls.js';
import type { CommandContext } from '../../bin/cli/context.js';
import { exitCodeOf, UsageError } from '../../bin/cli/errors.js';
import type { Services } from '../../bin/cli/target.js';
import { TaskRegistry } from '../../functions/core/registry.js';
import { TaskClient } from '../../functions/core/task-client.js';
import { validateTaskId } from '../../functions/core/task-id.js';
import { createTaskTable, startDynalite, type EmbeddedDynamo } from '../support/embedded-servers.js';

// Bad input from the command line ends with exit 2 and a message that can be printed as it is.
const NOW = new Date('2026-11-26T12:00:00.000Z');
let dynamo: EmbeddedDynamo;
let registry: TaskRegistry;

beforeAll(async () => {
  dynamo = await startDynalite();
  registry = new TaskRegistry(dynamo.doc, await createTaskTable(dynamo));
  for (let i = 0; i < 3; i++) {
    await registry.create({ taskId: `page_${i}`, function: 'f', payload: {}, payloadHash: 'h', payloadSizeBytes: 2, maxAttempts: 1 });
  }
});
afterAll(async () => {
  await dynamo.close();
});

function context(printed: unknown[]): CommandContext {
  const client = new TaskClient({ registry, invoker: { invoke: async () => ({}) }, tasks: { f: { kind: 'lambda', functionName: 'f' } } });
  return {
    io: { now: () => new Date() } as CommandContext['io'],
    options: { json: true, dataDir: '.stask' },
    exitCode: 0,
    services: async () => ({ client, registry }) as unknown as Services,
    printJson: (value) => void printed.push(value),
    print: (text) => void printed.push(text),
  };
}

describe('command-line hardening', () => {
  it('a duration reaching back before 1970 is a usage error (exit 2), not a RangeError', () => {
    const error = (() => {
      try {
        listQueryOf({ status: 'queued', since: '99999999w' }, NOW);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(exitCodeOf(error)).toBe(2);
    expect((error as Error).message).toMatch(/before 1970/);
  });

  it('a --next-token from another listing is a usage error (exit 2) that says so', async () => {
    // Prepare: a token from a listing by status.
    const printed: unknown[] = [];
    await ls(context(printed), { status: 'queued', limit: '1' });
    const token = (printed[0] as { nextToken: string }).nextToken;
    expect(token).toEqual(expect.any(String));

    // Act: the token with a listing by prefix (another index).
    const error = await ls(context([]), { prefix: 'page_', nextToken: token }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(UsageError);
    expect(exitCodeOf(error)).toBe(2);
    expect((error as Error).message).toMatch(/another listing/);
  });

  it('an invalid task ID is echoed with its control characters escaped', () => {
    for (const id of ['bad\nid', 'bad\u001b[31mred', 'x\u2028y', '9\r\n']) {
      const message = (() => {
        try {
          validateTaskId(id);
        } catch (caught) {
          return (caught as Error).message;
        }
        return '';
      })();
      expect(message).not.toBe('');
      // eslint-disable-next-line no-control-regex -- what must not be printed
      expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    }
  });
});
