// The long lane's timeout rules: Step Functions Standard's one-year limit and the state machine's margin.
import { Duration } from 'aws-cdk-lib';

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
