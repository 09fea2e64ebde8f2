// The sweeper's backstop for the concurrency slots of a long task (admission.ts): whatever crashed or was lost
// (a platform killed between taking a slot and StartExecution, an admitter that died, a status-change event never
// delivered), each sweep brings the slots back in line with the executions and admits the waiting tasks.
import { DescribeExecutionCommand, ExecutionDoesNotExist } from '@aws-sdk/client-sfn';
import { Admission, eventOf, executionArnOf, type AdmissionConfig, type LimitedTask } from './admission.js';

export interface ReconcileResult {
  /** Slots given back: their execution has ended, or never started and its task no longer waits. */
  readonly released: string[];
  /** Executions started: admitted tasks whose start was lost, and waiting tasks admitted into free slots. */
  readonly started: string[];
}

/**
 * For each holder of `task`'s slots: a RUNNING execution keeps its slot, and so does an ended one whose task is
 * still RUNNING under it (its outcome unrecorded: the sweep resolves the task first, the next sweep — or this
 * one, run after sweepTasks — releases the slot); another ended one gives it back; one that
 * does not exist is started when its task still waits for it (the admitter died before StartExecution) and
 * gives its slot back otherwise. Then the free slots admit the oldest waiting tasks.
 */
export async function reconcileSlots(config: AdmissionConfig, task: LimitedTask): Promise<ReconcileResult> {
  const admission = new Admission(config);
  const released: string[] = [];
  const started: string[] = [];
  const holders = await admission.slots.holders(task.taskName);
  const waiting = new Map<string, ReturnType<typeof eventOf>>();
  if (holders.size) {
    for await (const record of admission.waiting(task.taskName)) waiting.set(record.waitingExecution, eventOf(record));
  }
  for (const name of holders) {
    const status = await statusOf(config, executionArnOf(task.stateMachineArn, name));
    // Running, or ended with its task still RUNNING (resolved by a later sweep, which then releases the slot).
    if (status === 'RUNNING' || (status !== undefined && (await admission.ownsRunningTask(task, name)))) continue;
    const event = status === undefined ? waiting.get(name) : undefined;
    if (event) {
      await admission.start(task, event, name);
      started.push(name);
    } else {
      await admission.slots.release(task.taskName, name);
      released.push(name);
    }
  }
  started.push(...(await admission.admit(task)));
  return { released, started };
}

async function statusOf(config: AdmissionConfig, executionArn: string): Promise<string | undefined> {
  try {
    return (await config.sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw error;
  }
}
