// The transcoder container's fixed facts: its worker, image, user, scratch directory and log streams.

/** The transcoder worker (TypeScript, run by the embedded platform as a host child process). */
export const TRANSCODER_WORKER = 'functions/long/transcoder/worker.ts';
/** The transcoder image's Dockerfile, relative to the build context (the repository root). */
export const TRANSCODER_DOCKERFILE = 'functions/long/transcoder/Dockerfile';
/** Where the worker keeps inputs and outputs (`WORK_DIR`): a bind mount on the task's ephemeral storage. */
export const SCRATCH_DIR = '/scratch';
/** awslogs stream prefix: streams are `transcode/<container name>/<ECS task ID>`. */
export const TRANSCODE_LOG_STREAM_PREFIX = 'transcode';
/** The image's unprivileged user (functions/long/transcoder/Dockerfile: `transcoder`, owner of /scratch). */
export const TRANSCODER_USER = '10001:10001';
/** The container's name (the middle part of its log stream names). */
export const TRANSCODER_CONTAINER_NAME = 'transcoder';
/** Payload claim-check objects (functions/core/payload.ts: `payloads/<taskId>/<sha256>.json`). */
export const PAYLOADS_KEY_PATTERN = 'payloads/*';

/**
 * The image build context is the repository root, staged with only what the image build reads (the same
 * list as functions/long/transcoder/Dockerfile.dockerignore): the asset stays small and its hash, hence the
 * image, changes only when the worker, the task model it imports or the dependencies change.
 */
export const TRANSCODER_IMAGE_EXCLUDE: readonly string[] = [
  '**',
  '!package.json',
  '!package-lock.json',
  '!tsconfig.json',
  '!functions/core/**',
  '!functions/long/transcoder/**',
];
