// The SFN API as the AWS SDK sees it: idempotent StartExecution, typed errors, listing and pagination.
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidDefinition,
  InvalidExecutionInput,
  InvalidName,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  type ExecutionListItem,
  type ExecutionStatus,
} from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { deferred, runToEnd, uniqueName, type Sfn, type Storage } from './harness.js';
import { useStepFunctions } from '../../support/step-functions.js';

let storage: Storage;
let sfn: Sfn;
useStepFunctions((started) => ({ storage, sfn } = started));

/** Succeeds, or fails when the input says so. */
const passOrFail = {
  StartAt: 'Decide',
  States: {
    Decide: { Type: 'Choice', Choices: [{ Variable: '$.fail', BooleanEquals: true, Next: 'Fail' }], Default: 'Done' },
    Done: { Type: 'Pass', Result: { ok: true }, End: true },
    Fail: { Type: 'Fail', Error: 'Asked', Cause: 'the input asked to fail' },
  },
};

describe('StartExecution', () => {
  it('returns the running execution for the same name and input, and ExecutionAlreadyExists otherwise', async () => {
    // Prepare: a machine whose Lambda waits on a gate, so the first execution stays RUNNING.
    const fn = uniqueName('gated');
    const gate = deferred();
    storage.functions.set(fn, async () => {
      await gate.promise;
      return 'done';
    });
    const stateMachineArn = sfn.server.registerStateMachine(uniqueName('dedup'), {
      StartAt: 'Work',
      States: { Work: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: fn, 'Payload.$': '$' }, End: true } },
    });
    const first = await sfn.client.send(new StartExecutionCommand({ stateMachineArn, name: 'job-1', input: '{"a":1}' }));

    // Act
    const again = await sfn.client.send(new StartExecutionCommand({ stateMachineArn, name: 'job-1', input: '{"a":1}' }));
    const conflict = await sfn.client.send(new StartExecutionCommand({ stateMachineArn, name: 'job-1', input: '{"a":2}' })).catch((e: unknown) => e);
    gate.resolve();
    await sfn.server.waitForExecution(first.executionArn ?? '');
    const afterClose = await sfn.client.send(new StartExecutionCommand({ stateMachineArn, name: 'job-1', input: '{"a":1}' })).catch((e: unknown) => e);
    const list = await sfn.client.send(new ListExecutionsCommand({ stateMachineArn }));

    // Assess
    expect(first.executionArn).toBe(`arn:aws:states:us-east-1:000000000000:execution:${stateMachineArn.split(':').at(-1)}:job-1`);
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    expect(conflict).toBeInstanceOf(ExecutionAlreadyExists);
    expect((conflict as ExecutionAlreadyExists).message).toContain(first.executionArn);
    // As on AWS, a closed execution's name is taken (for 90 days), whatever the input.
    expect(afterClose).toBeInstanceOf(ExecutionAlreadyExists);
    expect(list.executions).toHaveLength(1);
  });

  it('generates a name when none is given and defaults the input to {}', async () => {
    // Prepare
    const stateMachineArn = sfn.server.registerStateMachine(uniqueName('anonymous'), { StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } });

    // Act
    const { executionArn } = await sfn.client.send(new StartExecutionCommand({ stateMachineArn }));
    await sfn.server.waitForExecution(executionArn ?? '');
    const out = await sfn.client.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(out.name).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.input).toBe('{}');
    expect(out.output).toBe('{}');
    expect(out.status).toBe('SUCCEEDED');
    expect(out.stopDate?.getTime()).toBeGreaterThanOrEqual(out.startDate?.getTime() ?? Infinity);
    expect(out.redriveStatus).toBe('NOT_REDRIVABLE');
  });

  it('rejects bad names, inputs and ARNs with the SDK exceptions AWS uses', async () => {
    // Prepare
    const stateMachineArn = sfn.server.registerStateMachine(uniqueName('strict'), passOrFail);
    const start = (input: { name?: string; input?: string; stateMachineArn?: string }): Promise<unknown> =>
      sfn.client.send(new StartExecutionCommand({ stateMachineArn, ...input })).catch((e: unknown) => e);

    // Act
    const spaced = await start({ name: 'has space' });
    const colon = await start({ name: 'a:b' });
    const tooLong = await start({ name: 'x'.repeat(81) });
    const okAt80 = await start({ name: 'y'.repeat(80) });
    const notJson = await start({ input: '{nope' });
    const noMachine = await start({ stateMachineArn: `${stateMachineArn}-missing` });
    const badArn = await sfn.client.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' })).catch((e: unknown) => e);
    const noExecution = await sfn.client
      .send(new DescribeExecutionCommand({ executionArn: `arn:aws:states:us-east-1:000000000000:execution:${stateMachineArn.split(':').at(-1)}:nope` }))
      .catch((e: unknown) => e);

    // Assess
    expect(spaced).toBeInstanceOf(InvalidName);
    expect(colon).toBeInstanceOf(InvalidName);
    expect(tooLong).toBeInstanceOf(InvalidName);
    expect(okAt80).toMatchObject({ executionArn: expect.stringContaining('y'.repeat(80)) });
    expect(notJson).toBeInstanceOf(InvalidExecutionInput);
    expect(noMachine).toBeInstanceOf(StateMachineDoesNotExist);
    expect(badArn).toBeInstanceOf(InvalidArn);
    expect(noExecution).toBeInstanceOf(ExecutionDoesNotExist);
    expect((noExecution as ExecutionDoesNotExist).$metadata.httpStatusCode).toBe(400);
  });
});

describe('ListExecutions and GetExecutionHistory', () => {
  it('lists newest first, filters by status and paginates with nextToken', async () => {
    // Prepare: five that succeed and two that fail, started one after the other.
    const stateMachineArn = sfn.server.registerStateMachine(uniqueName('listing'), passOrFail);
    const started: string[] = [];
    for (const [i, fail] of [false, true, false, false, true, false, false].entries()) {
      const out = await runToEnd(sfn, stateMachineArn, { fail }, `run-${i}`);
      started.push(out.name ?? '');
    }
    const pages = async (statusFilter: ExecutionStatus | undefined, maxResults: number): Promise<ExecutionListItem[][]> => {
      const result: ExecutionListItem[][] = [];
      let nextToken: string | undefined;
      do {
        const page = await sfn.client.send(new ListExecutionsCommand({ stateMachineArn, statusFilter, maxResults, nextToken }));
        result.push(page.executions ?? []);
        nextToken = page.nextToken;
      } while (nextToken);
      return result;
    };

    // Act
    const succeeded = await pages('SUCCEEDED', 2);
    const failed = await pages('FAILED', 10);
    const all = await pages(undefined, 3);
    const running = await pages('RUNNING', 10);
    const badToken = await sfn.client.send(new ListExecutionsCommand({ stateMachineArn, nextToken: '' })).catch((e: unknown) => e);

    // Assess
    expect(succeeded.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(succeeded.flat().map((e) => e.name)).toEqual(['run-6', 'run-5', 'run-3', 'run-2', 'run-0']);
    expect(succeeded.flat().every((e) => e.status === 'SUCCEEDED' && e.stopDate instanceof Date && e.redriveCount === 0)).toBe(true);
    expect(failed.flat().map((e) => e.name)).toEqual(['run-4', 'run-1']);
    expect(all.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(all.flat().map((e) => e.name)).toEqual([...started].reverse());
    expect(running.flat()).toEqual([]);
    expect(badToken).toBeInstanceOf(InvalidToken);
  });

  it('pages the history forwards and in reverse, and can leave the data out', async () => {
    // Prepare
    const stateMachineArn = sfn.server.registerStateMachine(uniqueName('history'), passOrFail);
    const { executionArn } = await runToEnd(sfn, stateMachineArn, { fail: false });

    // Act
    const first = await sfn.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 3 }));
    const rest = await sfn.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 100, nextToken: first.nextToken }));
    const reversed = await sfn.client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    const noData = await sfn.client.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }));

    // Assess
    const types = [...(first.events ?? []), ...(rest.events ?? [])].map((e) => e.type);
    expect(types).toEqual(['ExecutionStarted', 'ChoiceStateEntered', 'ChoiceStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    expect(rest.nextToken).toBeUndefined();
    expect(reversed.events?.map((e) => e.type)).toEqual([...types].reverse());
    expect(noData.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
    expect(noData.events?.[0]?.executionStartedEventDetails?.roleArn).toContain('arn:aws:iam::');
    expect(reversed.events?.[0]?.executionSucceededEventDetails?.output).toBe('{"ok":true}');
  });
});

describe('state machines', () => {
  it('creates (idempotently), describes and lists state machines; rejects invalid definitions', async () => {
    // Prepare
    const name = uniqueName('created');
    const definition = JSON.stringify(passOrFail);
    const roleArn = 'arn:aws:iam::000000000000:role/sfn';

    // Act
    const created = await sfn.client.send(new CreateStateMachineCommand({ name, definition, roleArn }));
    const again = await sfn.client.send(new CreateStateMachineCommand({ name, definition, roleArn }));
    const different = await sfn.client
      .send(new CreateStateMachineCommand({ name, definition: JSON.stringify({ StartAt: 'X', States: { X: { Type: 'Succeed' } } }), roleArn }))
      .catch((e: unknown) => e);
    const invalid = await sfn.client
      .send(new CreateStateMachineCommand({ name: uniqueName('invalid'), definition: JSON.stringify({ StartAt: 'Missing', States: {} }), roleArn }))
      .catch((e: unknown) => e);
    const described = await sfn.client.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    const listed = await sfn.client.send(new ListStateMachinesCommand({}));
    const run = await runToEnd(sfn, created.stateMachineArn ?? '', { fail: true });

    // Assess
    expect(created.stateMachineArn).toBe(`arn:aws:states:us-east-1:000000000000:stateMachine:${name}`);
    expect(again.stateMachineArn).toBe(created.stateMachineArn);
    expect(again.creationDate).toEqual(created.creationDate);
    expect(different).toBeInstanceOf(StateMachineAlreadyExists);
    expect(invalid).toBeInstanceOf(InvalidDefinition);
    expect(described).toMatchObject({ name, definition, roleArn, type: 'STANDARD', status: 'ACTIVE' });
    expect(listed.stateMachines?.map((m) => m.name)).toContain(name);
    expect(run).toMatchObject({ status: 'FAILED', error: 'Asked', cause: 'the input asked to fail', redriveStatus: 'REDRIVABLE' });
  });
});
