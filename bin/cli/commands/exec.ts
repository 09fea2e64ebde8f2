import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join, resolve } from 'node:path';
import { ECS_SCRATCH_DIR, ecsTasksOf, readWorkerEnv, scratchDirOf, workerEnvFileOf } from '../../../local/ecs/scratch.js';
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
 * its disk is a scratch directory in the data directory. exec says so and where; `--run` runs `--command`
 * (default: a shell, $SHELL else /bin/sh) there, with the environment the platform gave the container
 * (endpoints, TASK_ID, TASK_PAYLOAD, WORK_DIR, ...), and ends with its exit code.
 */
async function execLocally(ctx: CommandContext, taskId: string, taskArn: string | undefined, options: ExecOptions): Promise<void> {
  // One directory per running ECS task; when the history does not name the task, the directory that holds them.
  const scratch = resolve(join(ctx.options.dataDir, ECS_SCRATCH_DIR));
  // The embedded engine's history names no ECS task (no TaskSubmitted): the running workers' environments do.
  const ecsTaskId = taskArn?.split('/').at(-1) ?? ecsTasksOf(scratch, taskId)[0];
  const workDir = ecsTaskId ? scratchDirOf(scratch, ecsTaskId) : scratch;
  const exists = existsSync(workDir);
  if (ctx.options.json && !options.run) return ctx.printJson({ taskId, taskArn: taskArn ?? null, ecsTaskId: ecsTaskId ?? null, local: true, workDir, workDirExists: exists });
  if (!options.run) {
    return ctx.print(
      `On the embedded platform, task ${taskId}'s container is a child process of \`stask dev\` on this machine (ECS task ${ecsTaskId ?? '(none running)'}); there is no ECS Exec.
` +
        `Its scratch directory: ${workDir}${exists ? '' : ' (not created yet)'}
` +
        `Follow its output with \`stask logs ${taskId} --follow\`; \`stask exec ${taskId} --run [--command CMD]\` runs CMD (a shell by default) in that directory with the container's environment.
`,
    );
  }
  if (!ecsTaskId || !exists) throw new CliError(`the scratch directory ${workDir} does not exist (the task has not started its work, or has ended)`, EXIT.conflict);
  const containerEnv = readWorkerEnv(workerEnvFileOf(scratch, ecsTaskId)) ?? {};
  const [file, args] = options.command === undefined ? [process.env.SHELL || '/bin/sh', []] : ['/bin/sh', ['-c', options.command]];
  const child = spawn(file, args, { stdio: 'inherit', cwd: workDir, env: { ...process.env, ...containerEnv, [ENV.taskId]: taskId, [ENV.workDir]: workDir } });
  const code = await new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('close', (c, signal) => done(c ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)));
  });
  // The command's exit code is exec's (as with `docker exec`), without a message of stask's own.
  ctx.exitCode = code;
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
