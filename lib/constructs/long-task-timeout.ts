// The long lane's timeout rules: Step Functions Standard's one-year limit and the state machine's margin.
import { Annotations, Duration } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { TASK_CONTRACT } from '../../functions/core/task-contract.js';

/** Step Functions Standard's longest execution (and TimeoutSeconds): one year. */
export const MAX_LONG_TASK_TIMEOUT = Duration.days(365);
/** Added to a long task's timeout for its state machine: the registry writes and destination records around the work. */
export const STATE_MACHINE_TIMEOUT_MARGIN = Duration.minutes(15);

/** Throws, with the limit, unless `timeout` is from 1 second to one year. */
export function validateTimeout(timeout: Duration): void {
  if (timeout.isUnresolved()) return;
  const seconds = timeout.toSeconds({ integral: false });
  if (seconds < 1) throw new Error(`LongTask: timeout must be at least 1 second, got ${seconds} seconds`);
  const max = MAX_LONG_TASK_TIMEOUT.toSeconds();
  if (seconds > max) {
    throw new Error(
      `LongTask: timeout must be at most ${max} seconds (365 days, Step Functions Standard's limit on an execution), ` +
        `got ${seconds} seconds (${timeout.toHumanString()})`,
    );
  }
}

/** The state machine's TimeoutSeconds: the work's timeout plus the margin, at most one year. */
export function stateMachineTimeout(timeout: Duration): Duration {
  if (timeout.isUnresolved()) return timeout;
  return Duration.seconds(Math.min(timeout.toSeconds() + STATE_MACHINE_TIMEOUT_MARGIN.toSeconds(), MAX_LONG_TASK_TIMEOUT.toSeconds()));
}

/**
 * A record's TTL counts from its execution's start (lib/constructs/registry-states.ts, EXPIRES_AT_PATH): a task
 * allowed to run longer than the contract's retention could be deleted as soon as it ends. Said at synth.
 */
export function warnWhenTtlShorter(scope: IConstruct, timeout: Duration): void {
  if (timeout.isUnresolved()) return;
  const retention = Duration.days(TASK_CONTRACT.retentionDays);
  if (timeout.toSeconds() + STATE_MACHINE_TIMEOUT_MARGIN.toSeconds() < retention.toSeconds()) return;
  Annotations.of(scope).addWarningV2(
    'stask:long-task-timeout-over-retention',
    `timeout ${timeout.toHumanString()} is not shorter than the task records' retention (${TASK_CONTRACT.retentionDays} days, counted from ` +
      'the execution\'s start): a task that runs that long may have its record expire as soon as it ends.',
  );
}
