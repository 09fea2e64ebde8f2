// Stopping, restarting and redriving executions: work really stops, records survive a restart, and a
// redrive continues from the failed state.
import {
  DescribeExecutionCommand,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERRUPTED_CAUSE } from '../../../local/stepfunctions/index.js';
import { removeDir, runToEnd, startSfn, startStorage, uniqueName, waitsForAbort, type Storage } from './harness.js';

let storage: Storage;

beforeAll(async () => {
  storage = await startStorage();
});

afterAll(async () => {
  await storage.close();
});

/** Count (Lambda) → Work (Lambda) → Record (SQS) → Done: the Lambda names are per test. */
function pipeline(count: string, work: string, queueUrl: string): object {
  return {
    StartAt: 'Count',
    States: {
      Count: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: count, 'Payload.$': '$' }, ResultPath: null, Next: 'Work' },
      Work: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: work, 'Payload.$': '$' },
        ResultSelector: { 'value.$': '$.Payload' },
        ResultPath: '$.work',
        Next: 'Record',
      },
      Record: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl: queueUrl, 'MessageBody.$': '$' },
        ResultPath: null,
        Next: 'Done',
      },
      Done: {
        Type: 'Pass',
        Parameters: { 'work.$': '$.work.value', 'input.$': '$$.Execution.Input', 'redriveCount.$': '$$.Execution.RedriveCount' },
        End: true,
      },
    },
  };
}

describe('StopExecution', () => {
  it('aborts the execution: status ABORTED with error and cause, the Task signal fired, no later state ran', async () => {
    // Prepare
    const sfn = await startSfn(storage);
    const queue = await storage.createQueue('records');
    const [count, work] = [uniqueName('count'), uniqueName('work')];
    const hang = waitsForAbort();
    storage.functions.set(count, async () => 'counted');
    storage.functions.set(work, hang.fn);
    const stateMachineArn = sfn.server.registerStateMachine(uniqueName('stoppable'), pipeline(count, work, queue));
    const { executionArn } = await sfn.client.send(new StartExecutionCommand({ stateMachineArn, input: '{"id":"s-1"}' }));
    await hang.started.promise;

    // Act
    const stopped = await sfn.client.send(new StopExecutionCommand({ executionArn, error: 'UserStopped', cause: 'stask stop s-1' }));
    const reason = await hang.aborted.promise;
    const out = await sfn.client.send(new DescribeExecutionCommand({ executionArn }));
    const stoppedAgain = await sfn.client.send(new StopExecutionCommand({ executionArn }));
    await new Promise((r) => setTimeout(r, 50)); // give anything that would wrongly continue the time to do it
    const events = (await sfn.client.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];

    // Assess
    expect(out).toMatchObject({ status: 'ABORTED', error: 'UserStopped', cause: 'stask stop s-1', redriveStatus: 'REDRIVABLE' });
    expect(out.stopDate).toEqual(stopped.stopDate);
    expect(reason).toBeInstanceOf(Error);
    expect(stoppedAgain.stopDate).toEqual(stopped.stopDate);
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'UserStopped', cause: 'stask stop s-1' } });
    expect(events.map((e) => e.stateEnteredEventDetails?.name).filter(Boolean)).toEqual(['Count', 'Work']);
    expect(await storage.drain(queue)).toEqual([]);
    await sfn.close();
    removeDir(sfn.dataDir);
  });
});

describe('execution timeout', () => {
  it("ends the execution TIMED_OUT after the machine's TimeoutSeconds and aborts the Task in flight", async () => {
    // Prepare
    const sfn = await startSfn(storage);
    const fn = uniqueName('endless');
    const hang = waitsForAbort();
    storage.functions.set(fn, hang.fn);
    const stateMachineArn = sfn.server.registerStateMachine(uniqueName('bounded'), {
      TimeoutSeconds: 1,
      StartAt: 'Endless',
      States: { Endless: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: fn }, End: true } },
    });

    // Act
    const out = await runToEnd(sfn, stateMachineArn, {});
    const reason = await hang.aborted.promise;
    const events = (await sfn.client.send(new GetExecutionHistoryCommand({ executionArn: out.executionArn }))).events ?? [];

    // Assess
    expect(out).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout', redriveStatus: 'REDRIVABLE' });
    expect(reason).toBeInstanceOf(Error);
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionTimedOut', executionTimedOutEventDetails: { error: 'States.Timeout' } });
    await sfn.close();
    removeDir(sfn.dataDir);
  });
});

describe('restart over the same data directory', () => {
  it('fails executions that were running (States.Runtime) and keeps finished ones describable', async () => {
    // Prepare: one finished execution, one left running when the first server closes.
    const first = await startSfn(storage);
    const queue = await storage.createQueue('records');
    const [count, work] = [uniqueName('count'), uniqueName('work')];
    const hang = waitsForAbort();
    storage.functions.set(count, async () => 'counted');
    storage.functions.set(work, async (payload, signal) => ((payload as { hang?: boolean }).hang ? hang.fn(payload, signal) : 'fast'));
    const stateMachineArn = first.server.registerStateMachine(uniqueName('restart'), pipeline(count, work, queue));
    const finished = await runToEnd(first, stateMachineArn, { hang: false }, 'finished');
    const { executionArn } = await first.client.send(new StartExecutionCommand({ stateMachineArn, name: 'interrupted', input: '{"hang":true}' }));
    await hang.started.promise;

    // Act
    await first.close();
    const abortedOnClose = await hang.aborted.promise;
    const second = await startSfn(storage, { dataDir: first.dataDir });
    const interrupted = await second.client.send(new DescribeExecutionCommand({ executionArn }));
    const done = await second.client.send(new DescribeExecutionCommand({ executionArn: finished.executionArn }));
    const events = (await second.client.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
    const running = await second.client.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }));

    // Assess
    expect(abortedOnClose).toBeInstanceOf(Error);
    expect(interrupted).toMatchObject({ status: 'FAILED', error: 'States.Runtime', cause: INTERRUPTED_CAUSE, redriveStatus: 'REDRIVABLE' });
    expect(events.at(-1)).toMatchObject({ type: 'ExecutionFailed', executionFailedEventDetails: { error: 'States.Runtime', cause: INTERRUPTED_CAUSE } });
    expect(events.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails?.name)).toEqual(['Count', 'Work']);
    expect(done).toMatchObject({ status: 'SUCCEEDED', name: 'finished', startDate: finished.startDate, stopDate: finished.stopDate, output: finished.output });
    expect(running.executions).toEqual([]);
    expect(await storage.drain(queue)).toHaveLength(1); // the finished execution's record only
    await second.close();
    removeDir(first.dataDir);
  });

  it('with resumeRunning, runs interrupted executions again from the state that was running', async () => {
    // Prepare
    const first = await startSfn(storage);
    const queue = await storage.createQueue('records');
    const [count, work] = [uniqueName('count'), uniqueName('work')];
    let counted = 0;
    const hang = waitsForAbort();
    storage.functions.set(count, async () => ++counted);
    storage.functions.set(work, hang.fn);
    const stateMachineArn = first.server.registerStateMachine(uniqueName('resume'), pipeline(count, work, queue));
    const { executionArn } = await first.client.send(new StartExecutionCommand({ stateMachineArn, name: 'resumed', input: '{"id":"r-1"}' }));
    await hang.started.promise;

    // Act: the first server stops (its work is aborted); the second resumes, and this time the work finishes.
    await first.close();
    const abortedOnClose = await hang.aborted.promise;
    storage.functions.set(work, async () => 'finished after restart');
    const second = await startSfn(storage, { dataDir: first.dataDir, resumeRunning: true });
    const out = await second.server.waitForExecution(executionArn ?? '');

    // Assess
    expect(abortedOnClose).toBeInstanceOf(Error);
    expect(out).toMatchObject({ status: 'SUCCEEDED', redriveCount: 0 });
    expect(JSON.parse(String(out.output))).toEqual({ work: 'finished after restart', input: { id: 'r-1' }, redriveCount: 0 });
    expect(counted).toBe(1); // Count ran before the restart and not again
    expect(await storage.drain(queue)).toEqual([{ id: 'r-1', work: { value: 'finished after restart' } }]);
    await second.close();
    removeDir(first.dataDir);
  });
});

describe('RedriveExecution', () => {
  it('continues a FAILED execution from the failed state, keeping its ARN and input; redriveCount becomes 1', async () => {
    // Prepare: Work fails the first time (no Catch), succeeds afterwards.
    const sfn = await startSfn(storage);
    const queue = await storage.createQueue('records');
    const [count, work] = [uniqueName('count'), uniqueName('work')];
    let counted = 0;
    let attempts = 0;
    storage.functions.set(count, async () => ++counted);
    storage.functions.set(work, async () => {
      if (++attempts === 1) throw Object.assign(new Error('disk full'), { name: 'Boom' });
      return 'worked';
    });
    const stateMachineArn = sfn.server.registerStateMachine(uniqueName('redrive'), pipeline(count, work, queue));
    const failed = await runToEnd(sfn, stateMachineArn, { id: 'd-1' }, 'redriven');

    // Act
    const redrive = await sfn.client.send(new RedriveExecutionCommand({ executionArn: failed.executionArn }));
    const out = await sfn.server.waitForExecution(failed.executionArn ?? '');
    const described = await sfn.client.send(new DescribeExecutionCommand({ executionArn: failed.executionArn }));
    const events = (await sfn.client.send(new GetExecutionHistoryCommand({ executionArn: failed.executionArn, maxResults: 1000 }))).events ?? [];
    const again = await sfn.client.send(new RedriveExecutionCommand({ executionArn: failed.executionArn })).catch((e: unknown) => e);
    const redriven = await sfn.client.send(new ListExecutionsCommand({ stateMachineArn, redriveFilter: 'REDRIVEN' }));

    // Assess
    expect(failed).toMatchObject({ status: 'FAILED', error: 'Boom', redriveStatus: 'REDRIVABLE' });
    expect(out).toMatchObject({ status: 'SUCCEEDED', executionArn: failed.executionArn });
    expect(described).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveDate: redrive.redriveDate, startDate: failed.startDate, input: '{"id":"d-1"}' });
    expect(described.error).toBeUndefined();
    expect(JSON.parse(described.output ?? '{}')).toEqual({ work: 'worked', input: { id: 'd-1' }, redriveCount: 1 });
    expect(counted).toBe(1); // the successful first state did not run again
    expect(attempts).toBe(2);
    const types = events.map((e) => e.type);
    const redrivenAt = types.indexOf('ExecutionRedriven');
    expect(types.slice(redrivenAt - 1, redrivenAt + 2)).toEqual(['ExecutionFailed', 'ExecutionRedriven', 'TaskStateEntered']);
    expect(events[redrivenAt]?.executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
    expect(events[redrivenAt + 1]?.stateEnteredEventDetails?.name).toBe('Work');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(again).toBeInstanceOf(ExecutionNotRedrivable);
    expect(redriven.executions?.map((e) => e.executionArn)).toEqual([failed.executionArn]);
    await sfn.close();
    removeDir(sfn.dataDir);
  });
});
