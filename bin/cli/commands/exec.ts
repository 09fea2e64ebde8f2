import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetExecutionHistoryCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { ENV } from '../../../functions/core/facts.js';
import { validateTaskId } from '../../../functions/core/task-id.js';
import type { CommandContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';

export interface ExecOptions {
  readonly run?: boolean;
  readonly container?: string;
  readonly command?: string;
}

/** The ECS task an execution's `ecs:runTask` state submitted, from its TaskSubmitted history event. */
export function ecsTaskOfHistory(events: readonly HistoryEvent[]): { taskArn: string; clusterArn: string } | undefined {
  for (const event of events) {
    const details = event.taskSubmittedEventDetails;
    if (event.type !== 'TaskSubmitted' || details?.resourceType !== 'ecs' || !details.output) continue;
    const output = JSON.parse(details.output) as { Tasks?: { TaskArn?: string; ClusterArn?: string }[] };
    const task = output.Tasks?.[0];
    if (task?.TaskArn && task.ClusterArn) return { taskArn: task.TaskArn, clusterArn: task.ClusterArn };
  }
  return undefined;
}

/**
 * On the embedded platform there is no ECS Exec: the container is a child process of `stask dev`, and
 * its disk is a scratch directory in the data directory. exec says so and where; `--run` opens a shell
 * there ($SHELL, else /bin/sh; the worker's own environment stays with the worker).
 */
async function execLocally(ctx: CommandContext, taskId: string, taskArn: string | undefined, options: ExecOptions): Promise<void> {
  // One directory per running ECS task; when the history does not name the task, the directory that holds them.
  const scratch = join(ctx.options.dataDir, 'ecs-scratch');
  const workDir = resolve(taskArn ? join(scratch, taskArn.split('/').at(-1) ?? '') : scratch);
  const exists = existsSync(workDir);
  if (ctx.options.json) return ctx.printJson({ taskId, taskArn, local: true, workDir, workDirExists: exists });
  if (!options.run) {
    return ctx.print(
      `On the embedded platform, task ${taskId}'s container is a child process of \`stask dev\` on this machine (ECS task ${taskArn}); there is no ECS Exec.
` +
        `Its scratch directory: ${workDir}${exists ? '' : ' (not created yet)'}
` +
        `Follow its output with \`stask logs ${taskId} --follow\`; \`stask exec ${taskId} --run\` opens a shell in that directory.
`,
    );
  }
  if (!exists) throw new CliError(`the scratch directory ${workDir} does not exist (the task has not started its work, or has ended)`, EXIT.conflict);
  const child = spawn(process.env.SHELL || '/bin/sh', [], { stdio: 'inherit', cwd: workDir, env: { ...process.env, [ENV.taskId]: taskId, [ENV.workDir]: workDir, ...(taskArn ? { [ENV.ecsTaskArn]: taskArn } : {}) } });
  const code = await new Promise<number>((done) => child.once('close', (c) => done(c ?? 1)));
  if (code !== 0) throw new CliError(`the shell exited with ${code}`);
}

/**
 * `stask exec ID [--run]`: the ECS Exec login into a running long task's container (prints the AWS CLI
 * command, or runs it with --run). The ECS task is found in the execution's history (TaskSubmitted).
 */
export async function exec(ctx: CommandContext, taskId: string, options: ExecOptions): Promise<void> {
  validateTaskId(taskId);
  const services = await ctx.services();
  const task = await services.client.get(taskId);
  if (services.tasks[task.function]?.kind !== 'stepfunctions') {
    throw new CliError(`task '${taskId}' runs on Lambda (${task.function}); exec is for tasks that run in a container`, EXIT.usage);
  }
  if (task.status !== 'RUNNING' || !task.executionRef) throw new CliError(`task '${taskId}' is ${task.status}: there is no running container to log in to`, EXIT.conflict);
  const sfn = new SFNClient(services.target.clientConfig('sfn'));
  try {
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: task.executionRef, reverseOrder: true, maxResults: 1000 }));
    const ecsTask = ecsTaskOfHistory(history.events ?? []);
    if (ctx.options.stack === undefined) return await execLocally(ctx, taskId, ecsTask?.taskArn, options);
    if (!ecsTask) {
      throw new CliError(
        `no ECS task is recorded for execution ${task.executionRef} yet (still being placed?). On the embedded platform the container is a local process: follow it with \`stask logs ${taskId} --follow\``,
      );
    }
    const args = ['ecs', 'execute-command', '--cluster', ecsTask.clusterArn, '--task', ecsTask.taskArn, '--container', options.container ?? 'transcoder', '--interactive', '--command', options.command ?? '/bin/sh'];
    if (ctx.options.json) return ctx.printJson({ taskId, ...ecsTask, command: ['aws', ...args] });
    if (!options.run) return ctx.print(`aws ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
    const child = spawn('aws', args, { stdio: 'inherit' });
    const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? 1)));
    if (code !== 0) throw new CliError(`aws ecs execute-command exited with ${code}`);
  } finally {
    sfn.destroy();
  }
}
