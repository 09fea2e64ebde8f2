/**
 * The video transcoder worker: an ECS Fargate container on AWS (one `ecs:runTask.sync` step per run)
 * and, on the embedded platform, a child process (`node --import tsx functions/long/transcoder/worker.ts`).
 *
 * Environment: TASK_ID, EXECUTION_REF, TASK_TABLE_NAME, TASK_PAYLOAD, WORKER_MODE (transcode | plan |
 * segment | join), SEGMENT_INDEX, WORK_DIR, SEGMENT_MIN_DURATION_SECONDS, SEGMENT_COUNT,
 * TASK_HEARTBEAT_SECONDS, and the AWS SDK's own (region, credentials, AWS_ENDPOINT_URL_<SERVICE>).
 *
 * Exit codes: 0 done (or nothing to do), 1 failed (the error is recorded on the task), 143 stopped
 * (SIGTERM or SIGINT, a STOPPING task, or an attempt that no longer owns the task). ffmpeg never
 * outlives the worker: it gets SIGTERM, then SIGKILL 5 s later if still there.
 */
import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { ENV } from '../../core/facts.js';
import { TaskRegistry } from '../../core/registry.js';
import { TaskBeacon } from '../../core/beacon.js';
import { createClients, readConfig, type WorkerConfig } from './config.js';
import { StopRequestedError } from './errors.js';
import { parseTranscodePayloadJson } from './payload.js';
import { S3Files } from './s3-files.js';
import { joinSegments, planSegments, transcodeSegment } from './segmented.js';
import { transcodeSinglePass } from './single-pass.js';
import type { RunContext } from './steps.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
/** 128 + SIGTERM: what a process ended by SIGTERM reports. */
export const EXIT_STOPPED = 143;

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // JSON lines on stdout, the task ID on each. The level comes from `env` like everything else.
  const level = env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL;
  const logger = new Logger({ serviceName: env[ENV.powertoolsServiceName] || 'transcoder', ...(level ? { logLevel: level as LogLevel } : {}) });
  let config: WorkerConfig;
  try {
    config = readConfig(env);
  } catch (error) {
    logger.error('invalid configuration', { phase: 'config', error: error as Error });
    return EXIT_FAILED;
  }
  const { taskId, executionRef } = config;
  logger.appendKeys({ taskId, mode: config.mode, ...(config.mode === 'segment' ? { segmentIndex: config.segmentIndex } : {}) });

  const clients = createClients(env);
  const registry = new TaskRegistry(clients.doc, config.tableName);
  const controller = new AbortController();
  const stop = (reason: string): void => {
    if (!controller.signal.aborted) controller.abort(new StopRequestedError(reason));
  };
  // SIGTERM: ECS StopTask, the local platform's stop. SIGINT: Ctrl-C of a worker run by hand.
  const onSignal = (signal: NodeJS.Signals): void => stop(`received ${signal}`);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const beacon = new TaskBeacon({
    registry,
    taskId,
    executionRef,
    heartbeatMs: config.heartbeatMs,
    onStop: stop,
    onError: (error) => logger.warn('heartbeat failed', { error: error as Error }),
  });
  let workDir: string | undefined;
  try {
    // The payload first: an invalid one fails the task before anything is downloaded.
    const payload = parseTranscodePayloadJson(config.payloadJson, config.uploads);
    logger.info('start', { phase: 'start', executionRef, source: `s3://${payload.bucket}/${payload.object}`, format: payload.format });
    if (!(await beacon.start())) throw controller.signal.reason;
    const parent = config.workDir ?? tmpdir();
    await mkdir(parent, { recursive: true });
    workDir = await mkdtemp(join(parent, 'transcode-'));
    const ctx: RunContext = { taskId, executionRef, payload, registry, files: new S3Files(clients.s3), beacon, signal: controller.signal, logger, workDir };
    switch (config.mode) {
      case 'transcode':
        await transcodeSinglePass(ctx);
        break;
      case 'plan':
        await planSegments(ctx, { minDurationSeconds: config.segmentMinDurationSeconds, segmentCount: config.segmentCount, ...(config.segmentUsage ? { usage: config.segmentUsage } : {}) });
        break;
      case 'segment':
        await transcodeSegment(ctx, config.segmentIndex);
        break;
      case 'join':
        await joinSegments(ctx);
        break;
    }
    logger.info('done', { phase: 'done', exitCode: EXIT_OK });
    return EXIT_OK;
  } catch (caught) {
    const thrown: unknown = controller.signal.aborted ? controller.signal.reason : caught;
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    if (error instanceof StopRequestedError) {
      logger.info('stopped', { phase: 'stopped', reason: error.reason, exitCode: EXIT_STOPPED });
      return EXIT_STOPPED;
    }
    const failure = { type: error.name || 'Error', message: error.message };
    logger.error('failed', { phase: 'failed', error: failure, exitCode: EXIT_FAILED });
    await registry
      .annotate(taskId, executionRef, { error: failure })
      .then((owned) => owned || logger.warn('the failure was not recorded: this attempt no longer owns the task'))
      .catch((annotateError: unknown) => logger.warn('could not record the failure', { error: annotateError as Error }));
    return EXIT_FAILED;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await beacon.close();
    if (workDir) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    clients.destroy();
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const code = await main();
  // Idle SDK sockets must not keep a finished (or stopped) worker alive.
  process.exit(code);
}
