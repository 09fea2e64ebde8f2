import { spawn } from 'node:child_process';
import { ENV, LOCAL_COMMAND_METADATA, type LocalCommand } from '../../functions/core/facts.js';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EcsRunTaskParams, EcsTaskOutcome, EcsTaskRunner } from '../stepfunctions/index.js';
import { resolveLocalCommand } from './local-command.js';
import { scratchDirOf, workerEnvFileOf } from './scratch.js';

/** A container of a task definition, resolved from the template, with the command that runs it locally. */
export interface LocalContainer {
  readonly name: string;
  readonly environment: Readonly<Record<string, string>>;
  /**
   * From the task definition's `stask:local-command` metadata: a TypeScript/JS entry and its arguments, or a
   * Python module with its requirements (facts.ts LocalCommandSchema); `[]` when there is none.
   */
  readonly localCommand: LocalCommand | readonly [];
  readonly logGroupName?: string;
  readonly streamPrefix?: string;
}

export interface LocalTaskDefinition {
  readonly arn: string;
  readonly family: string;
  readonly containers: readonly LocalContainer[];
}

export interface ProcessTaskRunnerOptions {
  readonly taskDefinitions: readonly LocalTaskDefinition[];
  readonly root: string;
  /** Endpoints, region and credentials for the container's SDK clients. */
  readonly env: () => Readonly<Record<string, string>>;
  readonly onLine?: (logGroupName: string, logStreamName: string, line: string) => void;
  readonly region: string;
  readonly accountId: string;
  /** The task's scratch disk on this machine (WORK_DIR): Fargate's ephemeral storage, locally. */
  readonly scratchDir: string;
  /** How long a stopped task gets between SIGTERM and SIGKILL (ECS's stopTimeout). @default 5 */
  readonly stopTimeoutSeconds?: number;
  /** Where the venvs of Python tasks are cached. @default <root>/.cache/python */
  readonly pythonCacheDir?: string;
  /** Platform messages (which Python runs the Python tasks). */
  readonly log?: (line: string) => void;
}

/**
 * ECS RunTask on one machine: the task definition's container runs as a child process of the platform
 * (the same worker code the image runs, on the host's ffmpeg), in its own process group, so that a stop
 * (StopExecution → abort) kills the whole tree — no ffmpeg left behind.
 */
export class ProcessTaskRunner implements EcsTaskRunner {
  constructor(private readonly options: ProcessTaskRunnerOptions) {
    // Nothing runs yet: whatever is here was left by tasks of a platform that died (kill -9), like a
    // Fargate task's ephemeral storage, which goes with the task.
    rmSync(options.scratchDir, { recursive: true, force: true });
    mkdirSync(options.scratchDir, { recursive: true });
  }

  async run(params: EcsRunTaskParams, signal: AbortSignal): Promise<EcsTaskOutcome> {
    const definition = this.find(String(params.TaskDefinition ?? ''));
    const [container] = definition.containers;
    if (!container) throw new Error(`task definition ${definition.family} has no container`);
    if (Array.isArray(container.localCommand) && !container.localCommand.length) {
      throw new Error(`task definition ${definition.family} has no ${LOCAL_COMMAND_METADATA} metadata: nothing can run it on this machine`);
    }
    const override = params.Overrides?.ContainerOverrides?.find((o) => !o.Name || o.Name === container.name);
    const overrideEnv = Object.fromEntries((override?.Environment ?? []).map((kv) => [kv.Name ?? '', kv.Value ?? '']));
    const cluster = String(params.Cluster ?? 'default').split('/').pop() ?? 'default';
    const ecsTaskId = randomUUID().replaceAll('-', '');
    const taskArn = `arn:aws:ecs:${this.options.region}:${this.options.accountId}:task/${cluster}/${ecsTaskId}`;
    // Each task its own scratch directory, removed when it ends however it ends (a killed worker cannot clean up).
    const workDir = scratchDirOf(this.options.scratchDir, ecsTaskId);
    mkdirSync(workDir, { recursive: true });
    const command = await resolveLocalCommand(container.localCommand as LocalCommand, {
      root: this.options.root,
      pythonCacheDir: this.options.pythonCacheDir ?? join(this.options.root, '.cache', 'python'),
      ...(this.options.log ? { log: this.options.log } : {}),
    }).catch((error: unknown) => {
      rmSync(workDir, { recursive: true, force: true });
      throw error;
    });
    // What the container is given on top of the platform's own environment: `stask exec ID --run` runs with it.
    const containerEnv: NodeJS.ProcessEnv = { ...command.env, ...this.options.env(), ...container.environment, ...overrideEnv, [ENV.workDir]: workDir, [ENV.ecsTaskArn]: taskArn };
    // Fargate sets both in every container; boto3 reads only AWS_DEFAULT_REGION.
    const region = containerEnv.AWS_REGION ?? process.env.AWS_REGION;
    if (region && !containerEnv.AWS_DEFAULT_REGION) containerEnv.AWS_DEFAULT_REGION = region;
    const envFile = workerEnvFileOf(this.options.scratchDir, ecsTaskId);
    writeFileSync(envFile, JSON.stringify(containerEnv), { mode: 0o600 });
    const child = spawn(command.file, [...command.args, ...(override?.Command ?? [])], {
      cwd: this.options.root,
      env: { ...process.env, ...containerEnv },
      detached: true, // its own process group: a stop kills the worker and every ffmpeg it started
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stream = `${container.streamPrefix ?? 'ecs'}/${container.name}/${ecsTaskId}`;
    for (const out of [child.stdout, child.stderr]) {
      let partial = '';
      out.setEncoding('utf8');
      out.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (container.logGroupName) this.options.onLine?.(container.logGroupName, stream, line);
      });
    }
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    let stopped = false;
    const onAbort = (): void => {
      stopped = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), (this.options.stopTimeoutSeconds ?? 5) * 1000).unref();
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      // The container ends with its main process, as on ECS: what it left running (holding its output open) goes too.
      child.once('exit', () => killGroup('SIGKILL'));
      child.once('close', (code, sig) => resolve(code ?? (sig === 'SIGKILL' ? 137 : 143)));
    });
    signal.removeEventListener('abort', onAbort);
    killGroup('SIGKILL'); // anything the container left running in its group goes with it, as on ECS
    rmSync(workDir, { recursive: true, force: true });
    rmSync(envFile, { force: true });
    return {
      exitCode,
      taskArn,
      containerName: container.name,
      stoppedReason: stopped ? 'Task stopped by user' : 'Essential container in task exited',
    };
  }

  private find(ref: string): LocalTaskDefinition {
    const found = this.options.taskDefinitions.find((d) => d.arn === ref || d.family === ref || ref.startsWith(`${d.arn.replace(/:\d+$/, '')}:`) || ref.endsWith(`/${d.family}`));
    if (!found) throw new Error(`task definition ${ref} is not in the template`);
    return found;
  }
}
